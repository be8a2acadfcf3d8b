package io.cachedapi.operator.crd;

import java.time.Duration;

/** The spec's durations: {@code <digits><ms|s|m|h>}, as the CRD's patterns allow them. */
public final class Durations {

    private Durations() {
    }

    public static Duration parse(String value) {
        String digits = value.replaceAll("[a-z]+$", "");
        long amount = Long.parseLong(digits);
        return switch (value.substring(digits.length())) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> throw new IllegalArgumentException("not a duration: " + value);
        };
    }
}
