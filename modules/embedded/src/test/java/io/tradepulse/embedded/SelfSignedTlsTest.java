package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the TLS helper runs keytool: within its timeout, and never waiting for input nobody gives. */
class SelfSignedTlsTest {

    @Test
    void shouldGiveUpWhenTheToolOutlivesTheTimeout() {
        final long t0 = System.nanoTime();

        assertThatThrownBy(() -> SelfSignedTls.run(List.of("sleep", "30"), Map.of(), 1, "sleep 30"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("sleep 30 did not finish within 1 s");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void shouldFailRatherThanWaitWhenTheToolAsksForInput() {
        // keytool prompts on stdin for anything it was not given; nobody answers in an embedded start.
        final List<String> prompt = List.of("sh", "-c", "echo 'Enter keystore password:'; read answer || exit 7");

        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThatThrownBy(() -> SelfSignedTls.run(prompt, Map.of(), 10, "prompting tool"))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("prompting tool failed (rc=7): Enter keystore password:"));
    }

    @Test
    void shouldPassTheEnvironmentAndSucceedWhenTheToolDoes() {
        SelfSignedTls.run(List.of("sh", "-c", "test \"$STOREPASS\" = secret"), Map.of("STOREPASS", "secret"), 10, "check");
    }

    @Test
    void shouldStillMakeAServerCertificateWithKeytool(@TempDir final Path dir) throws Exception {
        final SelfSignedTls tls = SelfSignedTls.generate(dir);

        assertThat(tls.certificate().getSubjectAlternativeNames())
                .extracting(name -> (Object) name.get(1))
                .containsExactlyInAnyOrder((Object) "127.0.0.1", "localhost");
        tls.certificate().checkValidity();
    }
}
