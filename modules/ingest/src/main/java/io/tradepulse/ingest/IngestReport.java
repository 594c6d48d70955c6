package io.tradepulse.ingest;

/**
 * What one ingest run did: every input row is accounted for as published or dead-lettered.
 *
 * @param source       what was read (file or resource name)
 * @param published    rows published to the data topic
 * @param deadLettered rows sent to the dead-letter topic instead
 */
public record IngestReport(String source, int published, int deadLettered) {
    public int rows() {
        return published + deadLettered;
    }
}
