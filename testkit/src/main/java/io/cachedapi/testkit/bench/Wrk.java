package io.cachedapi.testkit.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs wrk (a load generator in C, so the client is not the bottleneck) and reads its report. */
final class Wrk {

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    private final int threads;
    private final int connections;

    Wrk(int threads, int connections) {
        this.threads = threads;
        this.connections = connections;
    }

    /** One measured run of {@code duration} against {@code url}, requests shaped by the Lua {@code script}. */
    Result run(String url, Path script, Duration duration) {
        var command = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections,
                "-d" + duration.toSeconds() + "s", "--latency", "--timeout", "5s"));
        if (script != null) {
            command.addAll(List.of("-s", script.toString()));
        }
        command.add(url);
        try {
            Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
            String report = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!wrk.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS) || wrk.exitValue() != 0) {
                throw new IllegalStateException("wrk failed: " + String.join(" ", command) + "\n" + report);
            }
            return parse(report);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run wrk (make bench installs it): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Result parse(String report) {
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher percentiles = PERCENTILE.matcher(report);
        while (percentiles.find()) {
            double millis = millis(Double.parseDouble(percentiles.group(2)), percentiles.group(3));
            if (percentiles.group(1).equals("50")) {
                p50 = millis;
            } else {
                p99 = millis;
            }
        }
        long errors = find(NON_2XX, report).map(Long::parseLong).orElse(0L);
        Matcher sockets = SOCKET_ERRORS.matcher(report);
        if (sockets.find()) {
            for (int group = 1; group <= 4; group++) {
                errors += Long.parseLong(sockets.group(group));
            }
        }
        double rps = find(RPS, report).map(Double::parseDouble)
                .orElseThrow(() -> new IllegalStateException("no Requests/sec in wrk's report:\n" + report));
        return new Result(rps, p50, p99, errors);
    }

    private static java.util.Optional<String> find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? java.util.Optional.of(matcher.group(1)) : java.util.Optional.empty();
    }

    private static double millis(double value, String unit) {
        return switch (unit) {
            case "us" -> value / 1000;
            case "ms" -> value;
            default -> value * 1000;
        };
    }

    /** A Lua script for wrk: GETs of {@code paths} chosen at random, with extra request headers. */
    static Path script(Path directory, String name, List<String> paths, String headers) {
        var lua = new StringBuilder("local paths = {");
        for (String path : paths) {
            lua.append('"').append(path).append("\",");
        }
        lua.append("}\n")
                .append("wrk.headers[\"Connection\"] = \"keep-alive\"\n")
                .append(headers)
                .append("request = function()\n")
                .append("  return wrk.format(\"GET\", paths[math.random(#paths)])\n")
                .append("end\n");
        return write(directory.resolve(name + ".lua"), lua.toString());
    }

    /**
     * A copy of {@code script} that sends {@code requestsPerSecond} in all, on a fixed schedule shared by
     * the connections, instead of each connection's next request as soon as the last is answered: latency
     * measured at a given load, below saturation. wrk's LuaJIT reads the monotonic clock through its FFI.
     */
    static Path paced(Path script, double requestsPerSecond) {
        try {
            String pacing = """
                    local ffi = require("ffi")
                    ffi.cdef[[
                    typedef struct { long tv_sec; long tv_nsec; } cachedapi_timespec;
                    int clock_gettime(int clock, cachedapi_timespec *time);
                    ]]
                    local clock = ffi.new("cachedapi_timespec")
                    local CLOCK_MONOTONIC = 1
                    local interval_ms = %s
                    local next_at
                    local function now_ms()
                      ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
                      return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
                    end
                    -- Each request takes the next slot of the schedule; a schedule fallen behind by more than
                    -- 100 ms restarts from now instead of bursting to catch up.
                    delay = function()
                      local now = now_ms()
                      next_at = math.max(next_at or now, now - 100) + interval_ms
                      return math.max(0, next_at - now)
                    end
                    """.formatted(1000 / requestsPerSecond);
            String name = script.getFileName().toString().replace(".lua", "-paced.lua");
            return write(script.resolveSibling(name), Files.readString(script) + pacing);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, String content) {
        try {
            return Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Result(double rps, double p50Millis, double p99Millis, long errors) {
    }
}
