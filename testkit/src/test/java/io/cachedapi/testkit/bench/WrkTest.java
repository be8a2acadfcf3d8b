package io.cachedapi.testkit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the benchmark reads wrk's report and writes its request scripts (wrk itself runs in make bench). */
class WrkTest {

    @Test
    void aReportGivesThroughputPercentilesInMillisecondsAndEveryKindOfError() {
        String report = """
                Running 10s test @ http://127.0.0.1:8080
                  1 threads and 8 connections
                  Thread Stats   Avg      Stdev     Max   +/- Stdev
                    Latency     1.30ms    1.02ms  32.10ms   93.12%
                    Req/Sec     5.63k   412.55     6.20k    81.00%
                  Latency Distribution
                     50%  812.00us
                     75%    1.52ms
                     90%    2.25ms
                     99%    1.05s
                  56310 requests in 10.00s, 21.35MB read
                  Socket errors: connect 0, read 2, write 1, timeout 4
                  Non-2xx or 3xx responses: 5
                Requests/sec:   5627.83
                Transfer/sec:      2.13MB
                """;

        Wrk.Result result = Wrk.parse(report);

        assertThat(result.rps()).isEqualTo(5627.83);
        assertThat(result.p50Millis()).isCloseTo(0.812, within(1e-9));
        assertThat(result.p99Millis()).isCloseTo(1050, within(1e-9));
        assertThat(result.errors()).isEqualTo(12);
    }

    @Test
    void aPacedScriptKeepsTheRequestsAndSpacesThemByTheRate(@TempDir Path directory) throws Exception {
        Path script = Wrk.script(directory, "products", List.of("/products/1", "/products/2"), "");

        Path paced = Wrk.paced(script, 4000);

        String lua = Files.readString(paced);
        assertThat(paced).isNotEqualTo(script);
        assertThat(lua).startsWith(Files.readString(script))
                .contains("local interval_ms = 0.25\n")
                .contains("delay = function()");
    }
}
