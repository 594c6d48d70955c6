package io.tradepulse.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import org.apache.avro.Schema;

/** Small schemas and helpers shared by the unit tests. */
public final class TestSchemas {

    public static final Schema PRICE_V1 = new Schema.Parser().parse("""
            {"type":"record","name":"Price","namespace":"test.registry","fields":[
              {"name":"symbol","type":"string"},
              {"name":"cents","type":"long"}]}""");

    /** PRICE_V1 plus a field with a default: BACKWARD compatible with V1. */
    public static final Schema PRICE_V2 = new Schema.Parser().parse("""
            {"type":"record","name":"Price","namespace":"test.registry","fields":[
              {"name":"symbol","type":"string"},
              {"name":"cents","type":"long"},
              {"name":"currency","type":"string","default":"USD"}]}""");

    /** PRICE_V1 plus a field without a default: not BACKWARD compatible with V1. */
    public static final Schema PRICE_V3_INCOMPATIBLE = new Schema.Parser().parse("""
            {"type":"record","name":"Price","namespace":"test.registry","fields":[
              {"name":"symbol","type":"string"},
              {"name":"cents","type":"long"},
              {"name":"venue","type":"string"}]}""");

    private TestSchemas() {
    }

    /** A localhost port nothing listens on (connection refused), for fail-over and unavailability tests. */
    public static int deadPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
