package io.resnet4j.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything that decides the structure of a residual network (or its plain twin). {@link ResNet#build}
 * turns a spec into modules with one stage loop; the named factories below are the tables of the papers.
 *
 * <p>The variants, each decided here and nowhere else:
 * <ul>
 *   <li>{@link Block}: two 3x3 convs (BASIC) or 1x1-3x3-1x1 with 4x expansion (BOTTLENECK), He et al. 2015
 *       (arXiv:1512.03385) Fig. 5.</li>
 *   <li>{@link Stem}: ImageNet 7x7/2 conv + 3x3/2 max-pool (Table 1), or CIFAR 3x3/1 conv (§4.2).</li>
 *   <li>{@link StridePlacement}: where a bottleneck's stride sits. V1_5 (default, torchvision: "ResNet V1.5",
 *       on the 3x3) or V1 (the paper: on the first 1x1). Basic units put it on their first 3x3 either way.</li>
 *   <li>{@link Shortcut} options A/B/C of §3.3 (Table 3).</li>
 *   <li>{@code preActivation}: the full pre-activation unit of He et al. 2016 (arXiv:1603.05027) Fig. 4e.</li>
 *   <li>{@code widthMultiplier}: k of Wide ResNets (Zagoruyko and Komodakis 2016, arXiv:1605.07146);
 *       it widens the stages, not the stem.</li>
 *   <li>{@code zeroInitLastBn}: gamma = 0 in the last BN of each residual branch, so every unit starts as
 *       the identity (Goyal et al. 2017, arXiv:1706.02677 §5.1; torchvision's zero_init_residual).</li>
 *   <li>{@code residual = false}: the plain twin, the same layers without skip connections (§4.1).</li>
 * </ul>
 *
 * <p>Stage {@code i} has {@code stageSizes[i]} units of {@code widths[i] * widthMultiplier} channels
 * (times 4 at the output of a bottleneck); the first unit of every stage but the first has stride 2.
 * The stem has {@code widths[0]} channels.
 *
 * @param block           unit kind
 * @param stageSizes      units per stage, e.g. [3, 4, 6, 3]
 * @param widths          base channels per stage (a bottleneck's inner width), e.g. [64, 128, 256, 512]
 * @param stem            input stem
 * @param stridePlacement where a bottleneck unit subsamples
 * @param shortcut        shortcut option where a unit changes shape (A, B) or everywhere (C)
 * @param preActivation   BN-ReLU-conv units, identity added, no ReLU after the add
 * @param widthMultiplier k >= 1, multiplies the stage widths
 * @param zeroInitLastBn  initialise the last BN scale of each residual branch to zero
 * @param residual        false for the plain twin
 * @param inputChannels   channels of the input image (3 for RGB, 1 for Fashion-MNIST)
 * @param numClasses      outputs of the final fully connected layer
 */
public record ResNetSpec(Block block, List<Integer> stageSizes, List<Integer> widths, Stem stem,
                         StridePlacement stridePlacement, Shortcut shortcut, boolean preActivation,
                         int widthMultiplier, boolean zeroInitLastBn, boolean residual,
                         int inputChannels, int numClasses) {

    /** The unit kind and its output expansion. */
    public enum Block {
        BASIC(1), BOTTLENECK(4);

        private final int expansion;

        Block(int expansion) {
            this.expansion = expansion;
        }

        /** Output channels per base width: 1 for basic units, 4 for bottlenecks. */
        public int expansion() {
            return expansion;
        }
    }

    public enum Stem { IMAGENET, CIFAR }

    public enum StridePlacement { V1, V1_5 }

    /** He et al. 2015 §3.3: A zero-padded identity, B projection where the shape changes, C projection always. */
    public enum Shortcut { A, B, C }

    /** Channels above this are refused: a typo, not a network (ResNet-152 peaks at 2048, WRN-28-10 at 640). */
    public static final int MAX_CHANNELS = 1 << 16;

    /** At most this many stages (ImageNet nets have 4, CIFAR nets 3; each stage but the first halves the map). */
    public static final int MAX_STAGES = 8;

    /**
     * Specs with more parameters are refused before anything is allocated (a spec read from a file cannot ask
     * for an out-of-memory): 1e9 parameters are 8 GB with their gradients; ResNet-152 has 60 M, WRN-28-10 36 M.
     */
    public static final long MAX_PARAMETERS = 1_000_000_000L;

    /** At most this many units per stage; the depth rules of the CIFAR-style families follow from it. */
    public static final int MAX_UNITS = 100_000;

    /** Largest widening factor of a Wide ResNet: its widest stage, 64k channels, stays within MAX_CHANNELS. */
    public static final int MAX_WIDENING = MAX_CHANNELS / 64;

    public ResNetSpec {
        require(block != null && stem != null && stridePlacement != null && shortcut != null,
                "block, stem, stride placement and shortcut must be given");
        require(stageSizes != null && widths != null && !stageSizes.isEmpty(), "at least one stage is required");
        stageSizes = List.copyOf(stageSizes);
        widths = List.copyOf(widths);
        require(stageSizes.size() <= MAX_STAGES, "at most " + MAX_STAGES + " stages, got " + stageSizes.size());
        require(stageSizes.size() == widths.size(),
                "stage sizes " + stageSizes + " and widths " + widths + " must have the same length");
        for (int units : stageSizes) {
            require(units >= 1 && units <= MAX_UNITS,
                    "every stage needs 1 to " + MAX_UNITS + " units, got " + stageSizes);
        }
        require(widthMultiplier >= 1, "width multiplier must be >= 1, got " + widthMultiplier);
        for (int w : widths) {
            require(w >= 1 && (long) w * widthMultiplier * block.expansion() <= MAX_CHANNELS,
                    "stage widths must be in [1, " + MAX_CHANNELS + "] after widening, got " + widths + " x "
                            + widthMultiplier);
        }
        require(inputChannels >= 1 && inputChannels <= MAX_CHANNELS,
                "input channels must be >= 1, got " + inputChannels);
        require(numClasses >= 1 && numClasses <= 1 << 20,
                "number of classes must be >= 1, got " + numClasses);
        require(residual || shortcut == Shortcut.A,
                "a plain net has no shortcut connections, so it takes no shortcut option (got " + shortcut + "); "
                        + "it is compared with the option-A ResNet, which has the same parameters"
                        + " (He et al. 2015 §4.1)");
        require(!zeroInitLastBn || residual,
                "zero-init of the last BN would silence every unit of a plain net; it needs skip connections");
        require(!zeroInitLastBn || !preActivation,
                "pre-activation units end with a convolution, not a BN: zero-init of the last BN does not apply");
        if (residual && shortcut == Shortcut.A) {
            int in = widths.get(0);
            for (int i = 0; i < widths.size(); i++) {
                int out = widths.get(i) * widthMultiplier * block.expansion();
                require(out >= in, "option-A shortcuts zero-pad new channels, so channels may not shrink, but stage "
                        + (i + 1) + " goes from " + in + " to " + out + " channels; use shortcut B");
                in = out;
            }
        }
        long params = countParameters(block, stageSizes, widths, stem, shortcut, preActivation, widthMultiplier,
                residual, inputChannels, numClasses);
        require(params <= MAX_PARAMETERS, "the network would have more than " + MAX_PARAMETERS + " parameters");
    }

    // ---- The tables of the papers ----

    /** ResNet-18 (He et al. 2015 Table 1; torchvision resnet18: 11,689,512 parameters). */
    public static ResNetSpec resnet18() {
        return imagenet(Block.BASIC, 2, 2, 2, 2);
    }

    /** ResNet-34 (Table 1; torchvision: 21,797,672 parameters). */
    public static ResNetSpec resnet34() {
        return imagenet(Block.BASIC, 3, 4, 6, 3);
    }

    /** ResNet-50 (Table 1; torchvision: 25,557,032 parameters, 4.09 G multiply-adds at 224x224). */
    public static ResNetSpec resnet50() {
        return imagenet(Block.BOTTLENECK, 3, 4, 6, 3);
    }

    /** ResNet-101 (Table 1; torchvision: 44,549,160 parameters). */
    public static ResNetSpec resnet101() {
        return imagenet(Block.BOTTLENECK, 3, 4, 23, 3);
    }

    /** ResNet-152 (Table 1; torchvision: 60,192,808 parameters). */
    public static ResNetSpec resnet152() {
        return imagenet(Block.BOTTLENECK, 3, 8, 36, 3);
    }

    /**
     * torchvision's ImageNet layout: 7x7 stem, stages of 64/128/256/512, v1.5 strides, option B shortcuts,
     * 1000 classes.
     */
    public static ResNetSpec imagenet(Block block, int... stageSizes) {
        List<Integer> widths = List.of(64, 128, 256, 512).subList(0, Math.min(4, stageSizes.length));
        return new ResNetSpec(block, ints(stageSizes), widths,
                Stem.IMAGENET, StridePlacement.V1_5, Shortcut.B, false, 1, false, true, 3, 1000);
    }

    /**
     * The CIFAR ResNet of He et al. 2015 §4.2 with depth 6n+2 (20, 32, 44, 56, 110, 1202): a 3x3 stem, three
     * stages of n basic units with 16, 32, 64 channels, option-A shortcuts, 10 classes.
     */
    public static ResNetSpec cifarResNet(int depth) {
        return cifarResNet(Integer.toString(depth));
    }

    /** {@link #cifarResNet(int)} for the depth as a model name writes it: decimal digits, possibly past any int. */
    static ResNetSpec cifarResNet(String depth) {
        int n = units(depth, 6, 2, "a CIFAR ResNet");
        return new ResNetSpec(Block.BASIC, List.of(n, n, n), List.of(16, 32, 64), Stem.CIFAR,
                StridePlacement.V1_5, Shortcut.A, false, 1, false, true, 3, 10);
    }

    /**
     * The pre-activation CIFAR ResNet of He et al. 2016 (arXiv:1603.05027): depth 6n+2 with basic units
     * (ResNet-110) or 9n+2 with bottleneck units (ResNet-164, ResNet-1001), stages of 16/32/64 base channels,
     * projection shortcuts where the shape changes (the reference code, KaimingHe/resnet-1k-layers).
     */
    public static ResNetSpec preActResNet(int depth, Block block) {
        return preActResNet(Integer.toString(depth), block);
    }

    /** {@link #preActResNet(int, Block)} for the depth as a model name writes it. */
    static ResNetSpec preActResNet(String depth, Block block) {
        int n = block == Block.BASIC ? units(depth, 6, 2, "a pre-activation ResNet with basic units")
                : units(depth, 9, 2, "a pre-activation ResNet with bottleneck units");
        return new ResNetSpec(block, List.of(n, n, n), List.of(16, 32, 64), Stem.CIFAR,
                StridePlacement.V1_5, Shortcut.B, true, 1, false, true, 3, 10);
    }

    /**
     * WRN-depth-k (Zagoruyko and Komodakis 2016, arXiv:1605.07146): depth 6n+4, pre-activation basic units
     * with 16k/32k/64k channels after a 16-channel 3x3 stem, projection shortcuts where the shape changes.
     * WRN-28-10 has 36.5 M parameters.
     */
    public static ResNetSpec wideResNet(int depth, int k) {
        return wideResNet(Integer.toString(depth), Integer.toString(k));
    }

    /** {@link #wideResNet(int, int)} for the depth and k as a model name writes them. */
    static ResNetSpec wideResNet(String depth, String k) {
        int n = units(depth, 6, 4, "a Wide ResNet");
        long widening = number(k);
        if (widening < 1 || widening > MAX_WIDENING) {
            throw new IllegalArgumentException("a Wide ResNet has widening factor k from 1 to " + MAX_WIDENING
                    + " (stages of 16k, 32k, 64k channels), got " + k);
        }
        return new ResNetSpec(Block.BASIC, List.of(n, n, n), List.of(16, 32, 64), Stem.CIFAR,
                StridePlacement.V1_5, Shortcut.B, true, (int) widening, false, true, 3, 10);
    }

    /**
     * The plain twin: the same layers without the skip connections. A plain net has no shortcut parameters,
     * so it has exactly the parameters of this spec with option-A shortcuts (He et al. 2015 compare plain-18/34
     * with option-A ResNet-18/34, §4.1). torchvision's resnet18 uses option B (11,689,512 parameters);
     * plain18 has 11,515,688, the count of resnet18 with option A.
     */
    public ResNetSpec plain() {
        return new ResNetSpec(block, stageSizes, widths, stem, stridePlacement, Shortcut.A, preActivation,
                widthMultiplier, false, false, inputChannels, numClasses);
    }

    // ---- Options (each returns a new, validated spec) ----

    public ResNetSpec withInputChannels(int channels) {
        return new ResNetSpec(block, stageSizes, widths, stem, stridePlacement, shortcut, preActivation,
                widthMultiplier, zeroInitLastBn, residual, channels, numClasses);
    }

    public ResNetSpec withNumClasses(int classes) {
        return new ResNetSpec(block, stageSizes, widths, stem, stridePlacement, shortcut, preActivation,
                widthMultiplier, zeroInitLastBn, residual, inputChannels, classes);
    }

    public ResNetSpec withShortcut(Shortcut option) {
        return new ResNetSpec(block, stageSizes, widths, stem, stridePlacement, option, preActivation,
                widthMultiplier, zeroInitLastBn, residual, inputChannels, numClasses);
    }

    public ResNetSpec withStridePlacement(StridePlacement placement) {
        return new ResNetSpec(block, stageSizes, widths, stem, placement, shortcut, preActivation,
                widthMultiplier, zeroInitLastBn, residual, inputChannels, numClasses);
    }

    public ResNetSpec withZeroInitLastBn(boolean on) {
        return new ResNetSpec(block, stageSizes, widths, stem, stridePlacement, shortcut, preActivation,
                widthMultiplier, on, residual, inputChannels, numClasses);
    }

    /** The stem's output channels: the first stage's base width (not widened). */
    public int stemWidth() {
        return widths.get(0);
    }

    /** Output channels of stage {@code i} (0-based). */
    public int stageOutChannels(int i) {
        return widths.get(i) * widthMultiplier * block.expansion();
    }

    /** Weighted layers counted as in the papers: stem conv + convs in the units + fc (projections not counted). */
    public int depth() {
        int convsPerUnit = block == Block.BASIC ? 2 : 3;
        int units = 0;
        for (int s : stageSizes) {
            units += s;
        }
        return 2 + convsPerUnit * units;
    }

    /**
     * The number of parameters {@link ResNet#build} allocates for this spec, computed without building
     * (ResNetStructureTest checks it against the built networks).
     */
    public long parameterCount() {
        return countParameters(block, stageSizes, widths, stem, shortcut, preActivation, widthMultiplier, residual,
                inputChannels, numClasses);
    }

    /** The count of {@link ResNet#build}'s modules, unit by unit; stops early once above MAX_PARAMETERS. */
    private static long countParameters(Block block, List<Integer> stageSizes, List<Integer> widths, Stem stem,
                                        Shortcut shortcut, boolean preActivation, int k, boolean residual,
                                        int inputChannels, int numClasses) {
        long stemWidth = widths.get(0);
        long n = inputChannels * stemWidth * (stem == Stem.IMAGENET ? 49 : 9);
        if (stem == Stem.IMAGENET || !preActivation) {
            n += 2 * stemWidth;                                          // bn1
        }
        long in = stemWidth;
        for (int i = 0; i < stageSizes.size(); i++) {
            long planes = (long) widths.get(i) * k, out = planes * block.expansion();
            for (int j = 0; j < stageSizes.get(i); j++) {
                boolean reshapes = in != out || (i > 0 && j == 0);
                long convs = block == Block.BASIC ? 9 * (in * planes + planes * planes)
                        : in * planes + 9 * planes * planes + planes * out;
                long norms = preActivation ? (block == Block.BASIC ? in + planes : in + 2 * planes)
                        : (block == Block.BASIC ? 2 * planes : 2 * planes + out);
                if (preActivation && stem == Stem.IMAGENET && i == 0 && j == 0) {
                    norms -= in;                                         // no pre-activation after this stem
                }
                long projection = residual && (shortcut == Shortcut.C || (shortcut == Shortcut.B && reshapes))
                        ? in * out + (preActivation ? 0 : 2 * out) : 0;
                n += convs + 2 * norms + projection;
                if (n > MAX_PARAMETERS) {
                    return n;
                }
                in = out;
            }
        }
        return n + (preActivation ? 2 * in : 0) + in * numClasses + numClasses;
    }

    // ---- A text form, for checkpoint metadata ----

    /**
     * {@code block=bottleneck stages=3,4,6,3 widths=64,128,256,512 stem=imagenet stride=v1.5 shortcut=B
     * preact=false k=1 zeroInit=false residual=true in=3 classes=1000}; {@link #parse} reads it back.
     */
    public String encode() {
        return "block=" + block.name().toLowerCase(Locale.ROOT)
                + " stages=" + join(stageSizes)
                + " widths=" + join(widths)
                + " stem=" + stem.name().toLowerCase(Locale.ROOT)
                + " stride=" + (stridePlacement == StridePlacement.V1 ? "v1" : "v1.5")
                + " shortcut=" + shortcut
                + " preact=" + preActivation
                + " k=" + widthMultiplier
                + " zeroInit=" + zeroInitLastBn
                + " residual=" + residual
                + " in=" + inputChannels
                + " classes=" + numClasses;
    }

    /** Reads {@link #encode()}'s form; every key is required, unknown keys are errors. */
    public static ResNetSpec parse(String text) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : text.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq <= 0 || kv.put(part.substring(0, eq), part.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("bad model spec near '" + part + "' in: " + text);
            }
        }
        List<String> keys = List.of("block", "stages", "widths", "stem", "stride", "shortcut", "preact", "k",
                "zeroInit", "residual", "in", "classes");
        if (!kv.keySet().equals(new java.util.HashSet<>(keys))) {
            throw new IllegalArgumentException("model spec needs exactly the keys " + keys + ", got " + kv.keySet());
        }
        try {
            String stride = kv.get("stride");
            if (!stride.equals("v1") && !stride.equals("v1.5")) {
                throw new IllegalArgumentException("stride must be v1 or v1.5, got " + stride);
            }
            return new ResNetSpec(Block.valueOf(kv.get("block").toUpperCase(Locale.ROOT)), intList(kv.get("stages")),
                    intList(kv.get("widths")), Stem.valueOf(kv.get("stem").toUpperCase(Locale.ROOT)),
                    stride.equals("v1") ? StridePlacement.V1 : StridePlacement.V1_5,
                    Shortcut.valueOf(kv.get("shortcut")), bool(kv.get("preact")), Integer.parseInt(kv.get("k")),
                    bool(kv.get("zeroInit")), bool(kv.get("residual")), Integer.parseInt(kv.get("in")),
                    Integer.parseInt(kv.get("classes")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad model spec '" + text + "': " + e.getMessage(), e);
        }
    }

    /**
     * Units per stage n of a depth perUnit * n + extra, 1 <= n <= MAX_UNITS. The depth is text so that a model
     * name's digits are checked (and shown) as written, however many there are.
     */
    private static int units(String depth, int perUnit, int extra, String what) {
        long d = number(depth);
        long max = (long) perUnit * MAX_UNITS + extra;
        if (d < perUnit + extra || d > max || (d - extra) % perUnit != 0) {
            throw new IllegalArgumentException(what + " has depth " + perUnit + "n+" + extra + " with n from 1 to "
                    + MAX_UNITS + " (" + (perUnit + extra) + ", " + (2 * perUnit + extra) + ", " + (3 * perUnit + extra)
                    + ", ..., " + max + "), got " + depth);
        }
        return (int) ((d - extra) / perUnit);
    }

    /** A decimal integer; one past a long (only digits reach here) is Long.MAX_VALUE, beyond every limit. */
    static long number(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static List<Integer> ints(int... values) {
        List<Integer> out = new ArrayList<>();
        for (int v : values) {
            out.add(v);
        }
        return out;
    }

    private static List<Integer> intList(String csv) {
        List<Integer> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            out.add(Integer.parseInt(s));
        }
        return out;
    }

    private static boolean bool(String s) {
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException("expected true or false, got " + s);
        }
        return s.equals("true");
    }

    private static String join(List<Integer> values) {
        StringBuilder b = new StringBuilder();
        for (int v : values) {
            b.append(b.length() == 0 ? "" : ",").append(v);
        }
        return b.toString();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
