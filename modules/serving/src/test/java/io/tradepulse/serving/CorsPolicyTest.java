package io.tradepulse.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CorsPolicyTest {

    @Test
    void shouldBeOffWithoutEntries() {
        assertThat(CorsPolicy.of("--opt", List.of()).enabled()).isFalse();
        assertThat(CorsPolicy.of("--opt", null).enabled()).isFalse();
        assertThat(CorsPolicy.OFF.allowOrigin("https://a.example")).isNull();
    }

    @Test
    void shouldMatchOriginsAsBrowsersSerialiseThem() {
        CorsPolicy p = CorsPolicy.of("--opt", List.of("HTTPS://BI.Example.com:443", "http://localhost:3000",
                "http://[::1]:8081", " https://portal.example.org "));
        assertThat(p.allowOrigin("https://bi.example.com")).isEqualTo("https://bi.example.com");
        assertThat(p.allowOrigin("http://localhost:3000")).isEqualTo("http://localhost:3000");
        assertThat(p.allowOrigin("http://[::1]:8081")).isEqualTo("http://[::1]:8081");
        assertThat(p.allowOrigin("https://portal.example.org")).isEqualTo("https://portal.example.org");
        assertThat(p.allowOrigin("http://localhost:3001")).isNull();
        assertThat(p.allowOrigin("http://bi.example.com")).isNull();
        assertThat(p.allowOrigin("null")).isNull();
        assertThat(p.allowOrigin(null)).isNull();
        assertThat(p.echoesOrigin()).isTrue();
    }

    /**
     * java.net.URI reads a host with an underscore (dev hosts such as my_app.local) as no host at all, and such an origin
     * was refused as "no host": browsers send it in Origin as it is, so its pages could never be allowed.
     */
    @Test
    void shouldMatchAnOriginExactlyWhenItsHostHasAnUnderscore() {
        CorsPolicy p = CorsPolicy.of("--opt", List.of("http://my_app.local:3000", "HTTPS://Dev_Host.Example:443",
                "http://_a-b_.test:"));
        assertThat(p.allowOrigin("http://my_app.local:3000")).isEqualTo("http://my_app.local:3000");
        assertThat(p.allowOrigin("https://dev_host.example")).isEqualTo("https://dev_host.example");
        assertThat(p.allowOrigin("http://_a-b_.test")).isEqualTo("http://_a-b_.test");
        assertThat(p.allowOrigin("http://my_app.local:3001")).isNull();
        assertThat(p.allowOrigin("http://my_app.local")).isNull();
        assertThat(p.allowOrigin("https://my_app.local:3000")).isNull();
        assertThat(p.allowOrigin("http://myapp.local:3000")).isNull();
    }

    /**
     * Browsers send an internationalised host in punycode; an entry written as the name reads was refused ("no host"),
     * so its punycode had to be worked out by hand.
     */
    @Test
    void shouldMatchThePunycodeOriginBrowsersSendWhenTheEntryWritesTheHostInUnicode() {
        CorsPolicy p = CorsPolicy.of("--opt", List.of("https://bücher.example", "http://BÜCHER.Example:8080",
                "https://my_app.bücher:443", "https://münchen\u3002example", "https://xn--caf-dma.example"));
        assertThat(p.allowOrigin("https://xn--bcher-kva.example")).isEqualTo("https://xn--bcher-kva.example");
        assertThat(p.allowOrigin("http://xn--bcher-kva.example:8080")).isEqualTo("http://xn--bcher-kva.example:8080");
        assertThat(p.allowOrigin("https://my_app.xn--bcher-kva")).isEqualTo("https://my_app.xn--bcher-kva");
        assertThat(p.allowOrigin("https://xn--mnchen-3ya.example")).as("an ideographic full stop is a dot")
                .isEqualTo("https://xn--mnchen-3ya.example");
        assertThat(p.allowOrigin("https://xn--caf-dma.example")).isEqualTo("https://xn--caf-dma.example");
        assertThat(p.allowOrigin("http://xn--bcher-kva.example")).as("another port").isNull();
        assertThat(p.allowOrigin("https://bucher.example")).isNull();
    }

    @Test
    void shouldRejectAnInternationalisedEntryWhenBrowsersWouldSendAnotherPunycodeThanJavaComputes() {
        // IDNA 2003 (java.net.IDN) maps ß to ss; browsers (UTS #46, non-transitional) send xn--strae-oqa
        for (String bad : List.of("https://straße.example", "https://bücher..example", "https://bücher.example:８０",
                "https://user@bücher.example", "https://bücher.example/app")) {
            assertThatThrownBy(() -> CorsPolicy.of("--http-cors-origins", List.of(bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("--http-cors-origins " + bad)
                    .hasMessageContaining("scheme://host[:port]");
        }
        assertThatThrownBy(() -> CorsPolicy.of("--opt", List.of("https://straße.example")))
                .hasMessageContaining("punycode");
    }

    @Test
    void shouldRejectAnIpv4EntryWhenANumberHasALeadingZeroThatBrowsersReadAsOctal() {
        // a browser sends http://010.0.0.1 as http://8.0.0.1: kept as written, the entry never matched
        for (String bad : List.of("http://010.0.0.1", "http://127.000.000.001:3000", "http://10.0.0.01")) {
            assertThatThrownBy(() -> CorsPolicy.of("--http-cors-origins", List.of(bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("--http-cors-origins " + bad).hasMessageContaining("leading zeros");
        }
        CorsPolicy p = CorsPolicy.of("--opt", List.of("http://10.0.0.1:3000", "http://192.168.100.200", "http://0.0.0.0"));
        assertThat(p.allowOrigin("http://10.0.0.1:3000")).isEqualTo("http://10.0.0.1:3000");
        assertThat(p.allowOrigin("http://192.168.100.200")).isEqualTo("http://192.168.100.200");
        assertThat(p.allowOrigin("http://0.0.0.0")).isEqualTo("http://0.0.0.0");
    }

    @Test
    void shouldStillRejectAnEntryWhenItsHostHasAnUnderscoreAndTheRestIsNoOrigin() {
        for (String bad : List.of("http://my_app.local:abc", "http://user@my_app.local", "http://my_app.local:0",
                "http://my_app.local:70000", "http://my_app.local:99999999999", "http://my_app.local/",
                "http://my_app.local/app", "http://my_app.local?x=1", "http://a_b:80:90", "http://my%20_app.local",
                "http://a_b..example", "ftp://my_app.local", "http://1.2.3", "http://my_app.123")) {
            assertThatThrownBy(() -> CorsPolicy.of("--http-cors-origins", List.of(bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("--http-cors-origins " + bad)
                    .hasMessageContaining("scheme://host[:port]");
        }
    }

    /**
     * Browsers send an IPv6 origin compressed and in lower case ([::1]); an entry written in another form of the same
     * address ([0:0:0:0:0:0:0:1]) was kept as written and never matched.
     */
    @Test
    void shouldMatchAnIpv6OriginAsBrowsersSerialiseItWhenTheEntryWritesItInAnotherForm() {
        CorsPolicy p = CorsPolicy.of("--opt", List.of("http://[0:0:0:0:0:0:0:1]:8081", "https://[2001:DB8:0:0:1:0:0:1]",
                "http://[::ffff:127.0.0.1]", "http://[fe80:0:0::0001]:3000", "http://[1:0:2:0:3:0:4:0]"));
        assertThat(p.allowOrigin("http://[::1]:8081")).isEqualTo("http://[::1]:8081");
        assertThat(p.allowOrigin("https://[2001:db8::1:0:0:1]")).isEqualTo("https://[2001:db8::1:0:0:1]");
        assertThat(p.allowOrigin("http://[::ffff:7f00:1]")).isEqualTo("http://[::ffff:7f00:1]");
        assertThat(p.allowOrigin("http://[fe80::1]:3000")).isEqualTo("http://[fe80::1]:3000");
        assertThat(p.allowOrigin("http://[1:0:2:0:3:0:4:0]")).as("no run of two zero pieces")
                .isEqualTo("http://[1:0:2:0:3:0:4:0]");
        assertThat(p.allowOrigin("http://[0:0:0:0:0:0:0:1]:8081")).as("not how a browser sends it").isNull();
        assertThatThrownBy(() -> CorsPolicy.of("--opt", List.of("http://[fe80::1%25eth0]")))
                .hasMessageContaining("scheme://host[:port]");
    }

    @Test
    void shouldAllowAnyOriginWithAStarAlone() {
        CorsPolicy p = CorsPolicy.of("--opt", List.of("*"));
        assertThat(p.allowOrigin("https://x.example")).isEqualTo("*");
        assertThat(p.allowOrigin("null")).isEqualTo("*");
        assertThat(p.echoesOrigin()).isFalse();
    }

    @Test
    void shouldRejectAnEntryThatIsNoOriginNamingTheOptionAndTheAllowedForm() {
        for (String bad : List.of("https://bi.example.com/", "https://bi.example.com/app", "bi.example.com",
                "ftp://bi.example.com", "https://bi.example.com?x=1", "https://user@bi.example.com", "https://",
                "https://bi.example.com:0", "https://bi.example.com:70000", "", "https://bi example.com",
                "https://bi.example.com#x")) {
            assertThatThrownBy(() -> CorsPolicy.of("--http-cors-origins", List.of("https://ok.example", bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("--http-cors-origins " + bad.strip())
                    .hasMessageContaining("scheme://host[:port]");
        }
        assertThatThrownBy(() -> CorsPolicy.of("--opt", List.of("*", "https://a.example")))
                .hasMessageContaining("* must be the only entry");
    }
}
