package io.cachedapi.service;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The reference CachedApi service: cache-aside reads over a read/write split. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class CachedApiApplication {

    public static void main(String[] args) {
        SpringApplication.run(CachedApiApplication.class, args);
    }
}
