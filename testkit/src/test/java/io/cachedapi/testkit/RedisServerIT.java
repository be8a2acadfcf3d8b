package io.cachedapi.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RedisServerIT {

    @Test
    void runsWithThePasswordMemoryLimitPolicyAndAppendOnlyFileItWasGiven() throws IOException {
        try (RedisServer redis = RedisServer.builder().maxMemory("64mb").maxMemoryPolicy("volatile-lru").start()) {
            assertThat(redis.ping()).isTrue();
            String memory = redis.command("INFO", "memory");
            assertThat(memory).contains("maxmemory:67108864").contains("maxmemory_policy:volatile-lru");
            assertThat(redis.command("INFO", "persistence")).contains("aof_enabled:1");
            assertThat(unauthenticatedPing(redis.port())).startsWith("-NOAUTH");
        }
    }

    @Test
    void closingStopsTheServerAndRemovesItsFiles() {
        RedisServer redis = RedisServer.builder().start();
        ProcessHandle server = ProcessHandle.of(redis.process().orElseThrow().pid()).orElseThrow();
        java.nio.file.Path logFile = redis.logFile();

        redis.close();

        assertThat(server.isAlive()).isFalse();
        assertThat(logFile).doesNotExist();
    }

    @Test
    void aServerThatCannotStartIsReportedWithTheTailOfItsLog() {
        RedisServer.Builder invalid = RedisServer.builder().maxMemoryPolicy("keep-everything-forever");
        assertThatThrownBy(invalid::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("redis exited before it was ready")
                .hasMessageContaining("last lines of")
                .hasMessageContaining("keep-everything-forever");
    }

    private static String unauthenticatedPing(int port) throws IOException {
        try (var socket = new Socket(RedisServer.HOST, port)) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.UTF_8));
            byte[] reply = new byte[64];
            int length = socket.getInputStream().read(reply);
            return new String(reply, 0, length, StandardCharsets.UTF_8);
        }
    }
}
