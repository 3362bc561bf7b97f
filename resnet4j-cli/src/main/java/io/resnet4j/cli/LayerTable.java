package io.resnet4j.cli;

import io.resnet4j.nn.Module;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model's layer table: every module with its output shape, parameters and multiply-adds for one input shape,
 * and the totals. Dataflow is read from the structure: a {@link Sequential} chains its children, a
 * {@link Residual} feeds the same input to its branch and shortcut; any other composite is taken as a chain of its
 * children when that reproduces its output shape, and is shown as one opaque row otherwise.
 */
final class LayerTable {

    /** One line of the table; composite rows carry their subtree's parameters and multiply-adds. */
    record Row(int depth, String name, String type, Shape output, long params, long macs, boolean composite) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> opaque = new ArrayList<>();
    private final Shape input;
    private final Shape output;
    private final long totalParams;
    private final long bufferValues;
    private final long totalMacs;

    private LayerTable(Module model, Shape input) {
        this.input = input;
        this.output = model.outputShape(input);
        Result r = walk(model, "", input, 0, false);
        this.totalMacs = r.macs;
        this.totalParams = model.parameterCount();
        long buffers = 0;
        for (Tensor t : model.namedBuffers().values()) {
            buffers += t.numel();
        }
        this.bufferValues = buffers;
    }

    /** The table of {@code model} for an input of {@code input} (batch 1 is usual). */
    static LayerTable of(Module model, Shape input) {
        return new LayerTable(model, input);
    }

    List<Row> rows() {
        return rows;
    }

    long totalParams() {
        return totalParams;
    }

    long totalMacs() {
        return totalMacs;
    }

    Shape output() {
        return output;
    }

    private record Result(Shape out, long macs) {
    }

    /** Adds the rows of {@code m}; an {@code inline} child (registered under "") shows only its children. */
    private Result walk(Module m, String name, Shape in, int depth, boolean inline) {
        Map<String, Module> children = m.children();
        if (children.isEmpty()) {
            Shape out = m.outputShape(in);
            long macs = m.ownMacs(in);
            rows.add(new Row(depth, name, type(m), out, m.parameterCount(), macs, false));
            return new Result(out, macs);
        }
        int at = rows.size();
        boolean shown = !inline;
        if (shown) {
            rows.add(null); // filled in once the subtree's totals are known
        }
        int childDepth = shown ? depth + 1 : depth;
        long macs = m.ownMacs(in);
        Shape out;
        if (m instanceof Residual r) {
            macs += walkChild(r.branch(), name, children, in, childDepth).macs;
            if (r.shortcut() != null) {
                macs += walkChild(r.shortcut(), name, children, in, childDepth).macs;
            }
            out = m.outputShape(in);
        } else if (m instanceof Sequential || chains(m, in)) {
            Shape s = in;
            for (Map.Entry<String, Module> c : children.entrySet()) {
                Result cr = walk(c.getValue(), join(name, c.getKey()), s, childDepth, c.getKey().isEmpty());
                macs += cr.macs;
                s = cr.out;
            }
            out = s;
        } else {
            out = m.outputShape(in);
            opaque.add(name.isEmpty() ? type(m) : name);
        }
        if (shown) {
            rows.set(at, new Row(depth, name.isEmpty() ? "(model)" : name, type(m), out, m.parameterCount(), macs, true));
        }
        return new Result(out, macs);
    }

    /** True when applying the children in order gives the module's own output shape. */
    private static boolean chains(Module m, Shape in) {
        try {
            Shape s = in;
            for (Module c : m.children().values()) {
                s = c.outputShape(s);
            }
            return s.equals(m.outputShape(in));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private Result walkChild(Module child, String prefix, Map<String, Module> children, Shape in, int depth) {
        for (Map.Entry<String, Module> e : children.entrySet()) {
            if (e.getValue() == child) {
                return walk(child, join(prefix, e.getKey()), in, depth, e.getKey().isEmpty());
            }
        }
        throw new IllegalStateException("a residual unit's branch or shortcut is not among its children");
    }

    private static String join(String prefix, String name) {
        if (prefix.isEmpty()) {
            return name;
        }
        return name.isEmpty() ? prefix : prefix + "." + name;
    }

    private static String type(Module m) {
        return m.getClass().getSimpleName();
    }

    /** The table as text; rows deeper than {@code maxDepth} are folded into their parents. */
    String render(int maxDepth) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"Layer", "Type", "Output shape", "Params", "Mult-adds"});
        for (Row r : rows) {
            if (r.depth() > maxDepth) {
                continue;
            }
            cells.add(new String[] {
                "  ".repeat(r.depth()) + r.name(),
                r.type(),
                shape(r.output()),
                r.params() == 0 && !r.composite() ? "-" : String.format(Locale.ROOT, "%,d", r.params()),
                r.macs() == 0 ? "-" : String.format(Locale.ROOT, "%,d", r.macs())
            });
        }
        int[] width = new int[5];
        for (String[] row : cells) {
            for (int i = 0; i < 5; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        int total = width[0] + width[1] + width[2] + width[3] + width[4] + 8;
        String rule = "-".repeat(total) + "\n";
        for (int k = 0; k < cells.size(); k++) {
            String[] row = cells.get(k);
            b.append(String.format(Locale.ROOT, "%-" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %"
                    + width[3] + "s  %" + width[4] + "s", (Object[]) row).stripTrailing()).append('\n');
            if (k == 0) {
                b.append(rule);
            }
        }
        b.append(rule);
        b.append("Input shape: ").append(shape(input)).append("\n");
        b.append("Output shape: ").append(shape(output)).append("\n");
        if (!opaque.isEmpty()) {
            b.append("Not itemised (dataflow is not a chain): ").append(String.join(", ", opaque)).append("\n");
        }
        b.append(String.format(Locale.ROOT, "Total params: %,d%n", totalParams));
        b.append(String.format(Locale.ROOT, "Buffers: %,d values (running statistics, not trained)%n", bufferValues));
        b.append(String.format(Locale.ROOT, "Weights size: %.2f MB (float32)%n", (totalParams + bufferValues) * 4 / 1e6));
        int batch = input.rank() > 0 ? input.dim(0) : 1;
        b.append(String.format(Locale.ROOT, "Mult-adds: %s (%,d)%s%n", giga(totalMacs), totalMacs,
                batch == 1 ? " per image" : " per batch of " + batch));
        return b.toString();
    }

    static String shape(Shape s) {
        int[] d = s.dims();
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < d.length; i++) {
            b.append(i == 0 ? "" : ", ").append(d[i]);
        }
        return b.append(')').toString();
    }

    static String giga(long macs) {
        if (macs >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f G", macs / 1e9);
        }
        if (macs >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2f M", macs / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f K", macs / 1e3);
    }
}
