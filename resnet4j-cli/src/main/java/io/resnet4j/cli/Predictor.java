package io.resnet4j.cli;

import io.resnet4j.cli.input.ImageInput;
import io.resnet4j.cli.input.Npy;
import io.resnet4j.io.Json;
import io.resnet4j.nn.Inference;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Sequential;
import io.resnet4j.onnx.OnnxGraph;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Runs a network on image and .npy files and prints the top-k classes (text or one JSON object per input). */
final class Predictor {
    /** Inputs per forward pass: bounds activation memory for a large .npy. */
    static final int CHUNK = 32;

    private final Network net;
    /**
     * The network's module frozen: a checkpoint's by Inference.freeze, an ONNX graph's by OnnxGraph.freeze (batch
     * norms folded, weights packed once).
     */
    private final Module module;
    private final int top;
    private final boolean json;
    private final PrintWriter out;

    /** A checkpoint's Sequential or an ONNX graph frozen for inference; anything else as it is. */
    static Module frozen(Module m) {
        if (m instanceof Sequential s) {
            return Inference.freeze(s);
        }
        return m instanceof OnnxGraph g ? g.freeze() : m;
    }

    Predictor(Network net, int top, boolean json, PrintWriter out) {
        this.net = net;
        this.module = frozen(net.module());
        this.top = top;
        this.json = json;
        this.out = out;
    }

    /** One input ready for the network: (C, H, W) values and a name for the output. */
    private record Sample(String file, int index, int height, int width, float[] values) {
    }

    /** Checks and decodes every file first (so a bad file fails before any output), then predicts. */
    void run(List<Path> files) {
        List<List<Sample>> all = new ArrayList<>();
        for (Path f : files) {
            all.add(load(f));
        }
        for (List<Sample> samples : all) {
            // An imported ONNX graph may have folded shapes for batch 1: feed it one input at a time.
            int chunk = module instanceof OnnxGraph ? 1 : CHUNK;
            for (int from = 0; from < samples.size(); from += chunk) {
                predict(samples.subList(from, Math.min(samples.size(), from + chunk)));
            }
        }
        out.flush();
    }

    private List<Sample> load(Path f) {
        UserFiles.requireFile(f, "give image files (.png, .jpg) or .npy arrays");
        List<Sample> samples = new ArrayList<>();
        if (Npy.looksLikeNpy(f)) {
            Npy.Array a = Npy.read(f);
            int[] s = a.shape();
            int c = net.inChannels();
            if ((s.length != 4 && s.length != 3) || s[s.length - 3] != c) {
                throw new UserError(f + " has shape " + a.shapeString() + " but the model takes " + c
                        + " input channel(s): save a float32 array of shape (N," + c + ",H,W) or (" + c + ",H,W)");
            }
            int n = s.length == 4 ? s[0] : 1;
            int h = s[s.length - 2];
            int w = s[s.length - 1];
            if (n == 0 || h == 0 || w == 0) {
                throw new UserError(f + " has shape " + a.shapeString() + ", which holds no image");
            }
            checkFits(f, h, w);
            float[] data = a.data();
            for (int i = 0; i < data.length; i++) {
                if (!Float.isFinite(data[i])) {
                    // every score of that image would be NaN
                    throw new UserError(f + " holds a NaN or infinite value at index " + i + "; the model needs "
                            + "finite inputs");
                }
            }
            int per = c * h * w;
            for (int i = 0; i < n; i++) {
                float[] v = new float[per];
                System.arraycopy(data, i * per, v, 0, per);
                samples.add(new Sample(f.toString(), i, h, w, v));
            }
            return samples;
        }
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".npy")) {
            throw new UserError(f + " is named .npy but is not a NumPy array file; save it with numpy.save");
        }
        int crop = net.preprocess().crop();
        samples.add(new Sample(f.toString(), 0, crop, crop, ImageInput.load(f, net.preprocess())));
        return samples;
    }

    private void checkFits(Path f, int h, int w) {
        try {
            net.module().outputShape(Shape.of(1, net.inChannels(), h, w));
        } catch (IllegalArgumentException e) {
            throw new UserError(f + ": images of " + h + "x" + w + " do not fit the model (" + e.getMessage() + ")");
        }
    }

    private void predict(List<Sample> chunk) {
        // Samples of one chunk come from one file, so they share a size.
        Sample first = chunk.get(0);
        int per = first.values().length;
        float[] batch = new float[chunk.size() * per];
        for (int i = 0; i < chunk.size(); i++) {
            System.arraycopy(chunk.get(i).values(), 0, batch, i * per, per);
        }
        Tensor x = Tensor.wrap(Shape.of(chunk.size(), net.inChannels(), first.height(), first.width()), batch);
        Tensor logits = module.forward(x);
        int k = net.numClasses();
        if (logits.numel() != chunk.size() * k) {
            throw new IllegalStateException("the model gave " + logits.shape() + " for " + chunk.size() + " inputs and "
                    + k + " classes");
        }
        for (int i = 0; i < chunk.size(); i++) {
            print(chunk.get(i), logits.data(), i * k, k);
        }
    }

    private void print(Sample s, float[] logits, int offset, int k) {
        List<TopK.Entry> best = TopK.of(logits, offset, k, top);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("input", s.file());
            o.put("index", s.index());
            List<Object> t = new ArrayList<>();
            for (TopK.Entry e : best) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("class", e.index());
                m.put("label", net.classNames().get(e.index()));
                m.put("probability", e.probability());
                m.put("logit", (double) e.logit());
                t.add(m);
            }
            o.put("top", t);
            List<Object> raw = new ArrayList<>(k);
            for (int j = 0; j < k; j++) {
                raw.add((double) logits[offset + j]);
            }
            o.put("logits", raw);
            out.println(Json.write(o));
            return;
        }
        out.println(isArray(s) ? s.file() + "[" + s.index() + "]" : s.file());
        int width = 0;
        for (TopK.Entry e : best) {
            width = Math.max(width, net.classNames().get(e.index()).length());
        }
        for (int r = 0; r < best.size(); r++) {
            TopK.Entry e = best.get(r);
            out.println(String.format(Locale.ROOT, "  %d. %-" + width + "s  %6.2f%%", r + 1,
                    net.classNames().get(e.index()), 100 * e.probability()));
        }
    }

    private static boolean isArray(Sample s) {
        return s.file().toLowerCase(Locale.ROOT).endsWith(".npy");
    }
}
