package io.tradepulse.launcher;

import org.apache.kafka.connect.sink.SinkConnector;

/**
 * A sink connector, what ingest, which runs a source, must refuse as connector.class. Abstract: the refusal comes before
 * the worker would instantiate it, from the class alone.
 */
public abstract class IdleSinkConnector extends SinkConnector {
}
