package io.cachedapi.operator.parameters;

import java.util.List;

/**
 * One row of the server's {@code pg_settings}: what a parameter accepts and when a change takes effect.
 *
 * @param vartype  bool, integer, real, enum or string
 * @param unit     the unit a bare number is in (8kB, kB, MB, ms, s, min, ...), or null
 * @param minVal   the least value, in {@code unit} (numbers only)
 * @param maxVal   the greatest value, in {@code unit} (numbers only)
 * @param enumVals the accepted values of an enum
 * @param context  internal, postmaster (a restart), sighup, superuser, user, ... (a reload)
 */
public record Setting(String name, String vartype, String unit, Double minVal, Double maxVal, List<String> enumVals,
                      String context) {

    /** Whether a new value needs the server to restart (a reload is enough otherwise). */
    public boolean needsRestart() {
        return "postmaster".equals(context);
    }
}
