package io.tradepulse.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class CatalogProducerTest {
    private final MockProducer<byte[], byte[]> mock =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final CatalogProducer producer = new CatalogProducer(mock);

    private void sendOne() {
        producer.send(new ProducerRecord<>("tariff.events", "k".getBytes(), "v".getBytes()));
    }

    /**
     * A commit that timed out may still complete on the coordinator: the callers reported "aborted, nothing was
     * published", and a re-run sent every record a second time.
     */
    @Test
    void shouldReportTheOutcomeAsUnknownWhenTheCommitTimesOut() {
        mock.commitTransactionException = new TimeoutException("Timeout expired after 60000ms while awaiting EndTxn(true)");

        assertThatThrownBy(() -> producer.sendAtomically(this::sendOne))
                .isInstanceOf(CatalogProducer.CommitOutcomeUnknownException.class)
                .hasMessageContaining("either all visible or none")
                .hasMessageContaining("EndTxn(true)")
                .hasCauseInstanceOf(TimeoutException.class);
        assertThat(mock.transactionAborted()).as("no abort after a commit that timed out").isFalse();
    }

    @Test
    void shouldAbortAndRethrowWhenATimeoutComesBeforeTheCommit() {
        TimeoutException beforeCommit = new TimeoutException("Topic tariff.events not present in metadata after 60000 ms");

        assertThatThrownBy(() -> producer.sendAtomically(() -> {
            sendOne();
            throw beforeCommit;
        })).isSameAs(beforeCommit);
        assertThat(mock.transactionAborted()).isTrue();
        assertThat(mock.transactionCommitted()).isFalse();
    }

    @Test
    void shouldAbortAndRethrowWhenTheCommitFailsOtherwise() {
        KafkaException refused = new KafkaException("The transaction was aborted by the coordinator");
        mock.commitTransactionException = refused;

        assertThatThrownBy(() -> producer.sendAtomically(this::sendOne)).isSameAs(refused);
        assertThat(mock.transactionAborted()).isTrue();
    }

    @Test
    void shouldCommitEverythingSentInside() {
        producer.sendAtomically(() -> {
            sendOne();
            sendOne();
        });
        assertThat(mock.transactionCommitted()).isTrue();
        assertThat(mock.history()).hasSize(2);
    }
}
