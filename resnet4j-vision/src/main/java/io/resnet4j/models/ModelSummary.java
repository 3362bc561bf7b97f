package io.resnet4j.models;

import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A layer table of any module tree for one input shape: name, type, output shape, parameters and
 * multiply-adds, with totals. Shapes are propagated with {@link Module#outputShape}; nothing is allocated
 * or run.
 *
 * <p>Multiply-adds count what torchvision and fvcore count for ResNets: convolutions
 * ({@code N*K*P*Q*C*R*S}) and fully connected layers ({@code N*in*out}); ResNet-50 at 1x3x224x224 gives
 * 4.09 G. The element-wise work of batch norm, pooling and residual adds ({@link Module#ownMacs} of the
 * other modules) is listed separately, as "other ops".
 */
public final class ModelSummary {
    /**
     * One module of the table. {@code macs} is the conv/linear multiply-add count (0 for other modules),
     * {@code otherOps} the element-wise count of the others.
     */
    public record Row(String name, String type, Shape output, long params, long macs, long otherOps) {
    }

    private final Shape input;
    private final List<Row> rows;

    private ModelSummary(Shape input, List<Row> rows) {
        this.input = input;
        this.rows = Collections.unmodifiableList(rows);
    }

    /**
     * The table of {@code module} for an input of {@code input}: (N, C, H, W), or (C, H, W) for one sample.
     * Rows follow the forward order: every leaf module, and each residual unit's add after its branch and
     * shortcut. Throws IllegalArgumentException when the input does not fit the network.
     */
    public static ModelSummary of(Module module, Shape input) {
        Shape in = input.rank() == 3 ? Shape.of(1, input.dim(0), input.dim(1), input.dim(2)) : input;
        List<Row> rows = new ArrayList<>();
        trace(module, "", in, rows);
        return new ModelSummary(in, rows);
    }

    /**
     * A table of rows made elsewhere (e.g. the steps of an imported ONNX graph) for an input of {@code input},
     * rendered and totalled like {@link #of}'s.
     */
    public static ModelSummary ofRows(Shape input, List<Row> rows) {
        return new ModelSummary(input, new ArrayList<>(rows));
    }

    private static Shape trace(Module m, String name, Shape in, List<Row> rows) {
        if (m instanceof Sequential) {
            Shape s = in;
            for (Map.Entry<String, Module> e : m.children().entrySet()) {
                s = trace(e.getValue(), join(name, e.getKey()), s, rows);
            }
            return s;
        }
        if (m instanceof Residual r) {
            Shape out = trace(r.branch(), name, in, rows);
            if (r.shortcut() != null) {
                trace(r.shortcut(), join(name, "downsample"), in, rows);
            }
            Shape joined = r.outputShape(in);
            rows.add(new Row(name, r.reluAfterAdd() ? "Add+ReLU" : "Add",
                    joined, 0, 0, r.ownMacs(in)));
            return out;
        }
        // A leaf (or a composite this table does not open): one row with all its parameters.
        Shape out = m.outputShape(in);
        boolean counted = m instanceof Conv2d || m instanceof Linear;
        long own = m.ownMacs(in);
        rows.add(new Row(name, m.getClass().getSimpleName(), out, m.parameterCount(), counted ? own : 0, counted ? 0 : own));
        return out;
    }

    private static String join(String prefix, String name) {
        if (prefix.isEmpty()) {
            return name;
        }
        return name.isEmpty() ? prefix : prefix + "." + name;
    }

    public Shape input() {
        return input;
    }

    public List<Row> rows() {
        return rows;
    }

    public long totalParams() {
        long n = 0;
        for (Row r : rows) {
            n += r.params();
        }
        return n;
    }

    /** Multiply-adds of convolutions and fully connected layers (torchvision's / fvcore's figure). */
    public long totalMacs() {
        long n = 0;
        for (Row r : rows) {
            n += r.macs();
        }
        return n;
    }

    /** Element-wise operations of batch norm, pooling and residual adds, not included in {@link #totalMacs}. */
    public long otherOps() {
        long n = 0;
        for (Row r : rows) {
            n += r.otherOps();
        }
        return n;
    }

    /** The table as text, with thousands separators, ending with the totals. */
    public String render() {
        String[] head = {"Layer (type)", "Output shape", "Param #", "Mult-adds"};
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows) {
            cells.add(new String[] {r.name() + " (" + r.type() + ")", r.output().toString(), group(r.params()),
                    r.macs() == 0 ? "-" : group(r.macs())});
        }
        int[] width = new int[head.length];
        for (int c = 0; c < head.length; c++) {
            width[c] = head[c].length();
            for (String[] row : cells) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, head, width);
        String rule = "-".repeat(width[0] + width[1] + width[2] + width[3] + 6) + "\n";
        b.append(rule);
        for (String[] row : cells) {
            line(b, row, width);
        }
        b.append(rule);
        b.append("Input shape: ").append(input).append('\n');
        b.append("Total params: ").append(group(totalParams())).append('\n');
        b.append("Total mult-adds (conv + linear): ").append(group(totalMacs()))
                .append(" (").append(giga(totalMacs())).append(")\n");
        b.append("Other ops (batch norm, pooling, residual adds): ").append(group(otherOps())).append('\n');
        return b.toString();
    }

    private static void line(StringBuilder b, String[] row, int[] width) {
        b.append(pad(row[0], width[0], false)).append("  ").append(pad(row[1], width[1], false)).append("  ")
                .append(pad(row[2], width[2], true)).append("  ").append(pad(row[3], width[3], true));
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == ' ') {
            end--;
        }
        b.setLength(end);
        b.append('\n');
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return right ? fill + s : s + fill;
    }

    /** 25557032 -> "25,557,032". */
    static String group(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** 4089184256 -> "4.09 G". */
    static String giga(long n) {
        return String.format(Locale.ROOT, "%.2f G", n / 1e9);
    }

    @Override
    public String toString() {
        return render();
    }
}
