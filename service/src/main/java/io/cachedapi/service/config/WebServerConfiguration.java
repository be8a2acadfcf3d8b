package io.cachedapi.service.config;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Tomcat settings that Spring Boot has no property for. */
@Configuration(proxyBeanMethods = false)
public class WebServerConfiguration {

    /**
     * Tomcat hands a response to the socket in pieces no larger than its write buffer: at the default
     * 8 KiB, a page of 1,000 users (about 100 KB) costs a dozen system calls, which was most of the time
     * spent serving it from the cache (see BENCHMARKS.md). The buffer is per open connection.
     */
    static final int SOCKET_WRITE_BUFFER_BYTES = 64 * 1024;

    @Bean
    TomcatConnectorCustomizer largerSocketWrites() {
        return connector -> connector.setProperty("socket.appWriteBufSize", Integer.toString(SOCKET_WRITE_BUFFER_BYTES));
    }
}
