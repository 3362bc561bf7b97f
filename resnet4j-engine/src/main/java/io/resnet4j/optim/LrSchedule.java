package io.resnet4j.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A learning-rate schedule: a pure function of the 0-based iteration (optimiser step) and the run's
 * {@link Timeline}, evaluated before every step. Being a function of the step (not of a stateful scheduler),
 * a resumed run gets the same rates as an uninterrupted one. The definitions are PyTorch's schedulers
 * stepped once per iteration; {@code tools/reference/schedules.py} writes the values the tests compare with.
 */
public sealed interface LrSchedule
        permits LrSchedule.Constant, LrSchedule.MultiStep, LrSchedule.Cosine, LrSchedule.OneCycle, LrSchedule.Warmup {

    /** The learning rate of step {@code step} (0-based) of the run. */
    double lr(long step, Timeline t);

    /** The momentum of that step given the configured one: unchanged, except for one-cycle's momentum cycling. */
    default double momentum(long step, Timeline t, double configured) {
        return configured;
    }

    /** The schedule as plain maps and lists (for the run's configuration record, JSON). */
    Map<String, Object> describe();

    /**
     * The schedule that {@link #describe()} described (maps, lists, strings, numbers and booleans, as a JSON
     * reader returns them); an unknown type or a missing or mistyped field is an IllegalArgumentException
     * naming it.
     */
    static LrSchedule fromDescription(Map<?, ?> d) {
        String type = Descriptions.string(d, "type");
        switch (type) {
            case "constant":
                return new Constant(Descriptions.number(d, "lr"));
            case "multistep": {
                Object ms = d.get("milestones");
                if (!(ms instanceof List<?> list)) {
                    throw new IllegalArgumentException("multistep schedule: \"milestones\" must be a list, got " + ms);
                }
                List<Long> milestones = new ArrayList<>();
                for (Object o : list) {
                    if (!(o instanceof Number n) || n.doubleValue() != n.longValue()) {
                        throw new IllegalArgumentException("multistep schedule: milestone " + o + " is not an integer");
                    }
                    milestones.add(n.longValue());
                }
                return new MultiStep(Descriptions.number(d, "base"), Descriptions.number(d, "gamma"), Descriptions.unit(d), milestones);
            }
            case "cosine":
                return new Cosine(Descriptions.number(d, "base"), Descriptions.number(d, "min"));
            case "onecycle":
                return new OneCycle(Descriptions.number(d, "max_lr"), Descriptions.number(d, "pct_start"),
                        Descriptions.number(d, "div_factor"), Descriptions.number(d, "final_div_factor"),
                        Descriptions.bool(d, "cycle_momentum"), Descriptions.number(d, "base_momentum"),
                        Descriptions.number(d, "max_momentum"));
            case "warmup": {
                Object after = d.get("after");
                if (!(after instanceof Map<?, ?> inner)) {
                    throw new IllegalArgumentException("warmup schedule: \"after\" must be a schedule, got " + after);
                }
                String kind = Descriptions.string(d, "kind");
                Warmup.Kind k;
                try {
                    k = Warmup.Kind.valueOf(kind.toUpperCase());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("warmup schedule: kind must be linear or constant, got " + kind);
                }
                return new Warmup((long) Descriptions.number(d, "length"), Descriptions.unit(d),
                        Descriptions.number(d, "start_factor"), k, fromDescription(inner));
            }
            default:
                throw new IllegalArgumentException("unknown schedule type \"" + type
                        + "\" (known: constant, multistep, cosine, onecycle, warmup)");
        }
    }

    /** Whether milestones and lengths count optimiser steps or epochs. */
    enum Unit {
        ITERATIONS, EPOCHS;

        long toSteps(long n, Timeline t) {
            return this == EPOCHS ? n * t.stepsPerEpoch() : n;
        }
    }

    /** The same rate at every step. */
    record Constant(double lr) implements LrSchedule {
        public Constant {
            requireRate(lr, "constant lr");
        }

        @Override
        public double lr(long step, Timeline t) {
            return lr;
        }

        @Override
        public Map<String, Object> describe() {
            return map("type", "constant", "lr", lr);
        }
    }

    /**
     * torch.optim.lr_scheduler.MultiStepLR: the rate is multiplied by {@code gamma} at each milestone (the step
     * or epoch at which the new rate starts). The paper: base 0.1, gamma 0.1, milestones 32k and 48k iterations.
     * The product is formed milestone by milestone, as PyTorch's recursive update does.
     */
    record MultiStep(double base, double gamma, Unit unit, List<Long> milestones) implements LrSchedule {
        public MultiStep {
            requireRate(base, "multistep base lr");
            if (!(gamma > 0 && gamma <= 1)) {
                throw new IllegalArgumentException("multistep gamma must be in (0, 1], got " + gamma);
            }
            milestones = List.copyOf(milestones);
            long prev = 0;
            for (long m : milestones) {
                if (m <= prev) {
                    throw new IllegalArgumentException("multistep milestones must be positive and strictly increasing, got " + milestones);
                }
                prev = m;
            }
        }

        /** Divide by 10 at the given epochs. */
        public static MultiStep epochs(double base, long... epochs) {
            return new MultiStep(base, 0.1, Unit.EPOCHS, boxed(epochs));
        }

        /** Divide by 10 at the given iterations (the paper: 32000, 48000). */
        public static MultiStep iterations(double base, long... iterations) {
            return new MultiStep(base, 0.1, Unit.ITERATIONS, boxed(iterations));
        }

        @Override
        public double lr(long step, Timeline t) {
            double lr = base;
            for (long m : milestones) {
                if (step < unit.toSteps(m, t)) {
                    break;
                }
                lr *= gamma;
            }
            return lr;
        }

        @Override
        public Map<String, Object> describe() {
            return map("type", "multistep", "base", base, "gamma", gamma, "unit", unit.name().toLowerCase(), "milestones", milestones);
        }
    }

    /**
     * torch.optim.lr_scheduler.CosineAnnealingLR with T_max = the run's total steps, in its closed form
     * lr = min + (base - min) (1 + cos(pi step / T_max)) / 2 (PyTorch's recursive update agrees to ~1e-15).
     */
    record Cosine(double base, double min) implements LrSchedule {
        public Cosine {
            requireRate(base, "cosine base lr");
            requireRate(min, "cosine min lr");
            if (min > base) {
                throw new IllegalArgumentException("cosine min lr " + min + " exceeds its base " + base);
            }
        }

        @Override
        public double lr(long step, Timeline t) {
            return min + (base - min) * (1 + Math.cos(Math.PI * step / t.totalSteps())) / 2;
        }

        @Override
        public Map<String, Object> describe() {
            return map("type", "cosine", "base", base, "min", min);
        }
    }

    /**
     * torch.optim.lr_scheduler.OneCycleLR (two phases, anneal_strategy='cos', total_steps = the run's steps):
     * from maxLr / divFactor up to maxLr over the first pctStart of the steps, then down to
     * maxLr / divFactor / finalDivFactor; with {@code cycleMomentum}, the momentum goes the opposite way
     * between maxMomentum and baseMomentum. PyTorch's defaults: pctStart 0.3, divFactor 25,
     * finalDivFactor 1e4, momentum 0.85..0.95.
     */
    record OneCycle(double maxLr, double pctStart, double divFactor, double finalDivFactor,
                    boolean cycleMomentum, double baseMomentum, double maxMomentum) implements LrSchedule {
        public OneCycle {
            requireRate(maxLr, "one-cycle max lr");
            if (!(pctStart > 0 && pctStart < 1)) {
                throw new IllegalArgumentException("one-cycle pctStart must be in (0, 1), got " + pctStart);
            }
            if (!(divFactor >= 1) || !(finalDivFactor >= 1) || Double.isInfinite(divFactor) || Double.isInfinite(finalDivFactor)) {
                throw new IllegalArgumentException("one-cycle divFactor and finalDivFactor must be finite and >= 1, got "
                        + divFactor + ", " + finalDivFactor);
            }
            if (cycleMomentum && !(baseMomentum > 0 && baseMomentum <= maxMomentum && maxMomentum < 1)) {
                throw new IllegalArgumentException("one-cycle momenta need 0 < base <= max < 1, got " + baseMomentum + ", " + maxMomentum);
            }
        }

        /** PyTorch's defaults around {@code maxLr}. */
        public static OneCycle of(double maxLr) {
            return new OneCycle(maxLr, 0.3, 25, 1e4, true, 0.85, 0.95);
        }

        @Override
        public double lr(long step, Timeline t) {
            double initial = maxLr / divFactor;
            double min = initial / finalDivFactor;
            return phase(step, t, initial, maxLr, min);
        }

        @Override
        public double momentum(long step, Timeline t, double configured) {
            return cycleMomentum ? phase(step, t, maxMomentum, baseMomentum, maxMomentum) : configured;
        }

        /** start -> peak over phase one, peak -> end over phase two, with PyTorch's phase boundaries. */
        private double phase(long step, Timeline t, double start, double peak, double end) {
            long total = t.totalSteps();
            if (step > total) {
                throw new IllegalArgumentException("one-cycle evaluated at step " + step + " beyond the run's " + total + " steps");
            }
            double end1 = pctStart * total - 1;
            double end2 = total - 1;
            if (!(end1 > 0 && end2 > end1)) {
                throw new IllegalArgumentException("one-cycle with pctStart " + pctStart + " needs more steps than "
                        + total + " (each phase must last at least one step)");
            }
            if (step <= end1) {
                return annealCos(start, peak, step / end1);
            }
            return annealCos(peak, end, (step - end1) / (end2 - end1));
        }

        private static double annealCos(double start, double end, double pct) {
            double cosOut = Math.cos(Math.PI * pct) + 1;
            return end + (start - end) / 2.0 * cosOut;
        }

        @Override
        public Map<String, Object> describe() {
            return map("type", "onecycle", "max_lr", maxLr, "pct_start", pctStart, "div_factor", divFactor,
                    "final_div_factor", finalDivFactor, "cycle_momentum", cycleMomentum,
                    "base_momentum", baseMomentum, "max_momentum", maxMomentum);
        }
    }

    /**
     * A warm-up in front of another schedule, multiplying its rate by a factor during the first {@code length}
     * steps or epochs: LINEAR goes from {@code startFactor} to 1 (torch LinearLR), CONSTANT holds
     * {@code startFactor} (torch ConstantLR; the paper's ResNet-110 warms up at 0.01 = 0.1 x 0.1 for about 400
     * iterations). The inner schedule sees the same absolute step (PyTorch's ChainedScheduler).
     */
    record Warmup(long length, Unit unit, double startFactor, Kind kind, LrSchedule after) implements LrSchedule {
        public enum Kind { LINEAR, CONSTANT }

        public Warmup {
            if (length < 1) {
                throw new IllegalArgumentException("warm-up length must be >= 1, got " + length);
            }
            if (!(startFactor > 0 && startFactor <= 1)) {
                throw new IllegalArgumentException("warm-up start factor must be in (0, 1], got " + startFactor);
            }
            if (unit == null || kind == null || after == null) {
                throw new IllegalArgumentException("warm-up needs a unit, a kind and a schedule to warm up");
            }
        }

        public static Warmup linear(long iterations, double startFactor, LrSchedule after) {
            return new Warmup(iterations, Unit.ITERATIONS, startFactor, Kind.LINEAR, after);
        }

        @Override
        public double lr(long step, Timeline t) {
            return after.lr(step, t) * factor(step, t);
        }

        /** The warm-up factor at a step; torch's closed form start + (1 - start) * min(step, L) / L. */
        public double factor(long step, Timeline t) {
            long n = unit.toSteps(length, t);
            if (step >= n) {
                return 1.0;
            }
            return kind == Kind.CONSTANT ? startFactor : startFactor + (1.0 - startFactor) * step / n;
        }

        @Override
        public double momentum(long step, Timeline t, double configured) {
            return after.momentum(step, t, configured);
        }

        @Override
        public Map<String, Object> describe() {
            return map("type", "warmup", "length", length, "unit", unit.name().toLowerCase(), "start_factor", startFactor,
                    "kind", kind.name().toLowerCase(), "after", after.describe());
        }
    }

    private static void requireRate(double lr, String what) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0, got " + lr);
        }
    }

    private static List<Long> boxed(long[] a) {
        List<Long> out = new ArrayList<>(a.length);
        for (long v : a) {
            out.add(v);
        }
        return out;
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
