package io.cachedapi.operator.lifecycle;

/** PostgreSQL's WAL positions as PostgreSQL prints them ({@code 16/B374D848}), compared as numbers. */
final class Lsn {

    private Lsn() {
    }

    /** The position as a byte offset; -1 when unknown (null or not a position). */
    static long parse(String lsn) {
        if (lsn == null) {
            return -1;
        }
        int slash = lsn.indexOf('/');
        if (slash < 0) {
            return -1;
        }
        try {
            return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
