package io.tradepulse.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A registry's "not found" told from a 404 of a URL that is no registry API. */
class SchemaRegistryExceptionTest {
    private static SchemaRegistryException answer(int errorCode, int httpStatus) {
        return new SchemaRegistryException("m", errorCode, httpStatus);
    }

    @Test
    void shouldTakeA404WithARegistryNotFoundCodeAsTheRegistrysNotFound() {
        for (int code : new int[] {SchemaRegistryException.SUBJECT_NOT_FOUND, SchemaRegistryException.VERSION_NOT_FOUND,
                SchemaRegistryException.SCHEMA_NOT_FOUND, SchemaRegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED}) {
            assertThat(answer(code, 404).isRegistryNotFound()).as("code %d", code).isTrue();
            assertThat(answer(code, 404).isNoRegistryApi()).as("code %d", code).isFalse();
        }
    }

    @Test
    void shouldTakeA404WithoutARegistryCodeAsNoRegistryApi() {
        for (int code : new int[] {404, 0, SchemaRegistryException.NOT_FROM_REGISTRY}) {
            assertThat(answer(code, 404).isNoRegistryApi()).as("code %d", code).isTrue();
            assertThat(answer(code, 404).isRegistryNotFound()).as("code %d", code).isFalse();
        }
        assertThat(answer(SchemaRegistryException.INCOMPATIBLE_SCHEMA, 409).isNoRegistryApi()).isFalse();
        assertThat(answer(SchemaRegistryException.SCHEMA_NOT_FOUND, 500).isRegistryNotFound()).isFalse();
    }
}
