package io.cachedapi.operator.resources;

import java.security.SecureRandom;
import java.util.Base64;

/** Random passwords for the credentials Secrets: 192 bits, URL-safe, generated once per Secret. */
final class Passwords {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    static String generate() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
