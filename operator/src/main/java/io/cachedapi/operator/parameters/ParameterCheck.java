package io.cachedapi.operator.parameters;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code spec.postgres.parameters} checked against the server's own catalogue, before anything is
 * written: the name must be one the server knows (or a custom {@code extension.name}), the value of
 * its type (bool, integer, real, enum, string), its unit of the right kind and its number within the
 * range, as PostgreSQL itself parses them. A bad value would otherwise stop the server at its next
 * start.
 */
public final class ParameterCheck {

    /** A number, optionally signed, with an optional exponent (reals) and an optional unit. */
    private static final Pattern NUMBER = Pattern.compile("^\\s*([+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)\\s*([A-Za-z]*)\\s*$");
    private static final Pattern HEX = Pattern.compile("^\\s*0[xX][0-9a-fA-F]+\\s*$");
    /** Bytes per memory unit and microseconds per time unit, as PostgreSQL spells them (case matters). */
    private static final Map<String, BigDecimal> MEMORY = Map.of("B", BigDecimal.ONE, "kB", BigDecimal.valueOf(1L << 10),
            "MB", BigDecimal.valueOf(1L << 20), "GB", BigDecimal.valueOf(1L << 30), "TB", BigDecimal.valueOf(1L << 40));
    private static final Map<String, BigDecimal> TIME = Map.of("us", BigDecimal.ONE, "ms", BigDecimal.valueOf(1_000),
            "s", BigDecimal.valueOf(1_000_000), "min", BigDecimal.valueOf(60_000_000L),
            "h", BigDecimal.valueOf(3_600_000_000L), "d", BigDecimal.valueOf(86_400_000_000L));
    private static final Pattern SCALED_UNIT = Pattern.compile("^(\\d+)?([A-Za-z]+)$");

    private ParameterCheck() {
    }

    public static List<String> problems(Map<String, String> parameters, ParameterCatalogue catalogue) {
        var problems = new ArrayList<String>();
        parameters.forEach((name, value) -> problem(name, value, catalogue).ifPresent(
                problem -> problems.add("spec.postgres.parameters." + name + ": " + problem)));
        return problems;
    }

    private static Optional<String> problem(String name, String value, ParameterCatalogue catalogue) {
        Optional<Setting> known = catalogue.get(name.toLowerCase(Locale.ROOT));   // PostgreSQL ignores case
        if (known.isEmpty()) {
            // extensions' parameters (pg_stat_statements.max) are only known once the extension is loaded
            return name.contains(".") ? Optional.empty()
                    : Optional.of("the server knows no such parameter; check its spelling");
        }
        Setting setting = known.get();
        if ("internal".equals(setting.context())) {
            return Optional.of("is read-only (set when PostgreSQL was built or initialised); remove it");
        }
        return switch (setting.vartype()) {
            case "bool" -> isBool(value) ? Optional.empty()
                    : Optional.of("'" + value + "' is not a boolean: use on or off");
            case "enum" -> setting.enumVals().stream().anyMatch(allowed -> allowed.equalsIgnoreCase(value.trim()))
                    // an enum that has on and off also takes, unlisted, every spelling of a boolean
                    || (setting.enumVals().contains("on") && setting.enumVals().contains("off") && isBool(value))
                    ? Optional.empty()
                    : Optional.of("'" + value + "' is not one of " + String.join(", ", setting.enumVals()));
            case "integer", "real" -> numberProblem(setting, value);
            default -> Optional.empty();
        };
    }

    /** PostgreSQL's parse_bool: on, off, and any prefix of true, false, yes, no; 1 and 0. */
    private static boolean isBool(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            return false;
        }
        return v.equals("on") || v.equals("1") || v.equals("0") || (v.length() >= 2 && "off".startsWith(v))
                || "true".startsWith(v) || "false".startsWith(v) || "yes".startsWith(v) || "no".startsWith(v);
    }

    private static Optional<String> numberProblem(Setting setting, String value) {
        boolean integer = setting.vartype().equals("integer");
        double amount;
        String unit;
        try {
            if (integer && HEX.matcher(value).matches()) {
                amount = Long.parseLong(value.trim().substring(2), 16);
                unit = "";
            } else {
                Matcher number = NUMBER.matcher(value);
                if (!number.matches()) {
                    return Optional.of("'" + value + "' is not a number" + unitHint(setting));
                }
                // as PostgreSQL reads it (strtod): a double, so no exponent can cost more than a double
                amount = Double.parseDouble(number.group(1));
                unit = number.group(2);
            }
        } catch (NumberFormatException tooLarge) {
            return Optional.of("'" + value + "' is out of range" + unitHint(setting));
        }
        if (!Double.isFinite(amount)) {
            return Optional.of("'" + value + "' is out of range" + unitHint(setting));
        }
        if (!unit.isEmpty()) {
            Optional<Double> converted = convert(amount, unit, setting.unit());
            if (converted.isEmpty()) {
                return Optional.of("'" + value + "': " + (setting.unit() == null || setting.unit().isEmpty()
                        ? "this parameter takes no unit" : "the unit must be one of " + unitKinds(setting.unit())));
            }
            amount = converted.get();
        }
        if (integer) {
            amount = Math.rint(amount);   // PostgreSQL rounds to the nearest
        }
        return rangeProblem(setting, amount, value);
    }

    private static Optional<String> rangeProblem(Setting setting, double amount, String value) {
        if ((setting.minVal() != null && amount < setting.minVal())
                || (setting.maxVal() != null && amount > setting.maxVal())) {
            return Optional.of("'" + value + "' is out of range: from " + plain(setting.minVal()) + " to "
                    + plain(setting.maxVal()) + (setting.unit() == null || setting.unit().isEmpty() ? ""
                    : " (in " + setting.unit() + ")"));
        }
        return Optional.empty();
    }

    /** {@code amount} of {@code unit} in the parameter's own unit (8kB, MB, ms, ...); empty when the kinds differ. */
    private static Optional<Double> convert(double amount, String unit, String parameterUnit) {
        if (parameterUnit == null || parameterUnit.isEmpty()) {
            return Optional.empty();
        }
        Matcher scaled = SCALED_UNIT.matcher(parameterUnit);
        if (!scaled.matches()) {
            return Optional.empty();
        }
        double multiple = scaled.group(1) == null ? 1 : Double.parseDouble(scaled.group(1));
        String base = scaled.group(2);
        for (Map<String, BigDecimal> kind : List.of(MEMORY, TIME)) {
            if (kind.containsKey(unit) && kind.containsKey(base)) {
                return Optional.of(amount * kind.get(unit).doubleValue() / (kind.get(base).doubleValue() * multiple));
            }
        }
        return Optional.empty();
    }

    private static String unitKinds(String parameterUnit) {
        Matcher scaled = SCALED_UNIT.matcher(parameterUnit);
        String base = scaled.matches() ? scaled.group(2) : parameterUnit;
        return MEMORY.containsKey(base) ? "B, kB, MB, GB, TB" : TIME.containsKey(base) ? "us, ms, s, min, h, d"
                : "(none: a bare number)";
    }

    private static String unitHint(Setting setting) {
        return setting.unit() == null || setting.unit().isEmpty() ? ""
                : " (a bare number is in " + setting.unit() + "; or give one of " + unitKinds(setting.unit()) + ")";
    }

    private static String plain(Double number) {
        return number == null ? "?" : BigDecimal.valueOf(number).stripTrailingZeros().toPlainString();
    }
}
