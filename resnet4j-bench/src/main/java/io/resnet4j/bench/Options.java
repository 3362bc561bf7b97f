package io.resnet4j.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench mains' "--name value" options. Links no other resnet4j class, so that TwoBuilds can parse its options
 * without loading a build's classes into its own class loader.
 */
public final class Options {
    private Options() {
    }

    /** "--name value" pairs; an unknown name or a missing value is refused with the usage. */
    public static Map<String, String> parse(String[] args, List<String> known, String usage) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!known.contains(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; " + usage);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value; " + usage);
            }
            o.put(args[i], args[i + 1]);
        }
        return o;
    }

    /** The integer value of option name, or fallback where it is absent; a non-integer is refused with the usage. */
    public static int intOption(Map<String, String> o, String name, int fallback, String usage) {
        String v = o.get(name);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs an integer, got " + v + "; " + usage);
        }
    }

    /** The number value of option name, or fallback where it is absent; a non-number is refused with the usage. */
    public static double doubleOption(Map<String, String> o, String name, double fallback, String usage) {
        String v = o.get(name);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a number, got " + v + "; " + usage);
        }
    }
}
