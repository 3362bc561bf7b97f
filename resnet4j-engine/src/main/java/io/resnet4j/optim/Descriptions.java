package io.resnet4j.optim;

import java.util.Map;

/** Typed reads of a schedule description's fields (what {@link LrSchedule#describe()} wrote, parsed back). */
final class Descriptions {
    private Descriptions() {
    }

    static String string(Map<?, ?> d, String key) {
        Object v = d.get(key);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("schedule field \"" + key + "\" must be a string, got " + v + " in " + d);
        }
        return s;
    }

    static double number(Map<?, ?> d, String key) {
        Object v = d.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("schedule field \"" + key + "\" must be a number, got " + v + " in " + d);
        }
        return n.doubleValue();
    }

    static boolean bool(Map<?, ?> d, String key) {
        Object v = d.get(key);
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("schedule field \"" + key + "\" must be true or false, got " + v + " in " + d);
        }
        return b;
    }

    static LrSchedule.Unit unit(Map<?, ?> d) {
        String u = string(d, "unit");
        try {
            return LrSchedule.Unit.valueOf(u.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("schedule unit must be iterations or epochs, got " + u);
        }
    }
}
