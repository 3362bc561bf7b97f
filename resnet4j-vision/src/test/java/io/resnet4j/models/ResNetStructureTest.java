package io.resnet4j.models;

import io.resnet4j.models.ResNetSpec.Shortcut;
import io.resnet4j.models.ResNetSpec.StridePlacement;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.nn.ShortcutA;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Exact structure: parameter counts, parameter names and shapes against torchvision, output shape per stage. */
class ResNetStructureTest {

    // Building allocates parameters and their gradients only (no activations): resnet152 and resnet1202 build
    // in about a second each.
    @ParameterizedTest(name = "{0}: {1} parameters")
    @CsvSource({
            // torchvision 0.14, models.<name>(weights=None): sum(p.numel() for p in m.parameters())
            "resnet18, 11689512", "resnet34, 21797672", "resnet50, 25557032",
            "resnet101, 44549160", "resnet152, 60192808",
            // He et al. 2015 Table 6 (0.27M ... 19.4M), option A, 3 input channels, 10 classes
            "resnet20, 269722", "resnet32, 464154", "resnet44, 658586", "resnet56, 853018",
            "resnet110, 1727962", "resnet1202, 19421274"})
    void parameterCountsEqualTheReferences(String name, long count) {
        assertThat(ResNet.build(ModelRegistry.spec(name)).parameterCount()).isEqualTo(count);
        assertThat(ModelRegistry.spec(name).parameterCount()).as("counted without building").isEqualTo(count);
    }

    @Test
    void theSpecCountsWhatTheBuilderAllocatesForEveryVariant() {
        List<ResNetSpec> specs = new ArrayList<>();
        for (String name : List.of("resnet8", "resnet14", "preact-resnet8", "preact-resnet164", "wrn-10-2",
                "wrn-16-4")) {
            ResNetSpec s = ModelRegistry.spec(name);
            specs.add(s);
            specs.add(s.plain());
            specs.add(s.withInputChannels(1).withNumClasses(7));
            for (Shortcut option : Shortcut.values()) {
                specs.add(s.withShortcut(option));
            }
        }
        ResNetSpec small = ResNetSpec.imagenet(ResNetSpec.Block.BOTTLENECK, 1, 2);
        specs.add(small);
        specs.add(small.withStridePlacement(StridePlacement.V1).withShortcut(Shortcut.C));
        specs.add(ResNetSpec.imagenet(ResNetSpec.Block.BASIC, 1, 1).plain());
        specs.add(new ResNetSpec(ResNetSpec.Block.BOTTLENECK, List.of(1, 2), List.of(64, 128), ResNetSpec.Stem.IMAGENET,
                StridePlacement.V1_5, Shortcut.B, true, 1, false, true, 3, 5));
        specs.add(new ResNetSpec(ResNetSpec.Block.BASIC, List.of(2, 1), List.of(64, 128), ResNetSpec.Stem.IMAGENET,
                StridePlacement.V1_5, Shortcut.A, true, 2, false, true, 1, 5));
        for (ResNetSpec s : specs) {
            assertThat(s.parameterCount()).as(s.encode()).isEqualTo(ResNet.build(s).parameterCount());
        }
    }

    @Test
    void aSpecTooLargeToAllocateIsRefusedBeforeBuilding() {
        // What a hostile checkpoint header could ask for: 3 x 100000 units of 4096 channels (1.3e13 parameters).
        assertThatThrownBy(() -> new ResNetSpec(ResNetSpec.Block.BASIC, List.of(100000, 100000, 100000),
                List.of(4096, 4096, 4096), ResNetSpec.Stem.CIFAR, StridePlacement.V1_5, Shortcut.A, false, 1, false,
                true, 3, 10)).hasMessageContaining("more than 1000000000 parameters");
        assertThatThrownBy(() -> new ResNetSpec(ResNetSpec.Block.BASIC, java.util.Collections.nCopies(9, 1),
                java.util.Collections.nCopies(9, 16), ResNetSpec.Stem.CIFAR, StridePlacement.V1_5, Shortcut.A, false, 1,
                false, true, 3, 10)).hasMessageContaining("at most 8 stages");
    }

    @ParameterizedTest(name = "{0} has the parameters of {1} with option A")
    @CsvSource({"plain18, resnet18", "plain34, resnet34", "plain50, resnet50", "plain101, resnet101",
            "plain152, resnet152", "plain20, resnet20", "plain32, resnet32", "plain44, resnet44", "plain56, resnet56",
            "plain110, resnet110", "plain1202, resnet1202", "plain-preact-resnet164, preact-resnet164",
            "plain-wrn-16-4, wrn-16-4"})
    void aPlainTwinHasTheSameLayersAsItsOptionAResNet(String plain, String resnet) {
        ResNetSpec residualSpec = ModelRegistry.spec(resnet).withShortcut(Shortcut.A);
        Sequential twin = ResNet.build(ModelRegistry.spec(plain));
        Sequential net = ResNet.build(residualSpec);
        assertThat(twin.parameterCount()).isEqualTo(net.parameterCount());
        assertThat(names(twin)).isEqualTo(names(net));
        assertThat(count(twin, Residual.class)).isZero();
        long units = residualSpec.stageSizes().stream().mapToLong(Integer::longValue).sum();
        assertThat(count(net, Residual.class)).isEqualTo(units);
    }

    @Test
    void plain18IsResNet18WithOptionANotTorchvisionsOptionB() {
        // torchvision's resnet18 has three projection shortcuts (option B): 11,689,512 parameters. The paper
        // compares plain-18 with the option-A ResNet-18 (no extra parameters): 11,515,688 = 11,689,512 - 173,824,
        // the projections 64->128, 128->256, 256->512 (1x1 conv + BN): 8,448 + 33,280 + 132,096.
        assertThat(ResNet.build(ModelRegistry.spec("plain18")).parameterCount()).isEqualTo(11_515_688L);
        assertThat(ResNet.build(ResNetSpec.resnet18().withShortcut(Shortcut.A)).parameterCount())
                .isEqualTo(11_515_688L);
        assertThat(11_689_512L - 11_515_688L).isEqualTo(8_448 + 33_280 + 132_096);
    }

    @Test
    void parameterTensorCountsFollowFromTheTable() {
        // resnet18: stem conv + bn (1 + 2), 8 basic units of 2 convs + 2 BNs (8 * 6), 3 projections of conv + BN
        // (3 * 3), fc weight + bias (2): 3 + 48 + 9 + 2 = 62.
        assertThat(ResNet.build(ResNetSpec.resnet18()).namedParameters()).hasSize(62);
        // resnet50: 3 + 16 bottlenecks of 3 convs + 3 BNs (16 * 9) + 4 projections (4 * 3) + 2 = 161.
        assertThat(ResNet.build(ResNetSpec.resnet50()).namedParameters()).hasSize(161);
        // resnet20, option A: 3 + 9 units * 6 + 0 projection parameters + 2 = 59.
        assertThat(ResNet.build(ResNetSpec.cifarResNet(20)).namedParameters()).hasSize(59);
        // preact-resnet164 (18 bottlenecks per stage): stem conv (1), 54 units of 3 BNs + 3 convs (54 * 9),
        // 3 projections of one conv (3), bn_final (2), fc (2): 1 + 486 + 3 + 2 + 2 = 494.
        assertThat(ResNet.build(ModelRegistry.spec("preact-resnet164")).namedParameters()).hasSize(494);
        // wrn-28-10 (4 units per stage): 1 + 12 * 6 + 3 + 2 + 2 = 80.
        assertThat(ResNet.build(ModelRegistry.spec("wrn-28-10")).namedParameters()).hasSize(80);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            // He et al. 2016 Table 2/3: ResNet-164 1.7M, ResNet-1001 10.2M; Zagoruyko and Komodakis 2016 Table 1:
            // WRN-16-4 2.7M, WRN-28-10 36.5M; exact counts agree with tools/reference/state_dict_keys.py's
            // reference-style PyTorch definitions (see the counts at the end of state_dict_keys.txt).
            "preact-resnet110", "preact-resnet164", "preact-resnet1001", "wrn-16-4", "wrn-28-10"})
    void preActivationAndWideCountsEqualTheReferenceDefinitions(String name) {
        long expected = referenceCount(name);
        assertThat(ResNet.build(ModelRegistry.spec(name)).parameterCount()).isEqualTo(expected);
    }

    @Test
    void resnet18AndResnet50HaveTorchvisionsStateDictKeysAndShapes() {
        for (String model : List.of("resnet18", "resnet50")) {
            Sequential net = ResNet.build(ModelRegistry.spec(model));
            List<String> params = new ArrayList<>();
            List<String> buffers = new ArrayList<>();
            for (String line : keyLines()) {
                String[] f = line.split(" ");
                if (!f[0].equals(model)) {
                    continue;
                }
                (f[1].equals("param") ? params : buffers).add(f[2] + " " + f[3]);
            }
            List<String> ours = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
                ours.add(e.getKey() + " " + dims(e.getValue().shape()));
            }
            assertThat(ours).as(model + " parameters, in torchvision's order").isEqualTo(params);
            List<String> ourBuffers = new ArrayList<>();
            for (Map.Entry<String, Module> e : net.namedModules().entrySet()) {
                if (e.getValue() instanceof BatchNorm2d bn) {
                    ourBuffers.add(e.getKey() + ".running_mean " + dims(bn.runningMean().shape()));
                    ourBuffers.add(e.getKey() + ".running_var " + dims(bn.runningVar().shape()));
                    ourBuffers.add(e.getKey() + ".num_batches_tracked -"); // a 0-d int64 in torch, a long field here
                }
            }
            assertThat(ourBuffers).as(model + " buffers").isEqualTo(buffers);
            List<String> namedBuffers = new ArrayList<>();
            for (Map.Entry<String, Tensor> e : net.namedBuffers().entrySet()) {
                namedBuffers.add(e.getKey() + " " + dims(e.getValue().shape()));
            }
            assertThat(namedBuffers)
                    .isEqualTo(buffers.stream().filter(b -> !b.contains("num_batches_tracked")).toList());
        }
    }

    @Test
    void cifarNetsUseTheSameSchemeWithThreeLayers() {
        Sequential net = ResNet.build(ResNetSpec.cifarResNet(20).withShortcut(Shortcut.B));
        assertThat(net.namedParameters().keySet()).contains("conv1.weight", "bn1.weight", "layer1.0.conv1.weight",
                "layer3.2.bn2.bias", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight", "fc.weight");
        assertThat(net.children().keySet()).containsExactly("conv1", "bn1", "relu", "layer1", "layer2", "layer3",
                "avgpool", "flatten", "fc");
        assertThat(net.namedModules().get("layer2.0.downsample")).isInstanceOf(Sequential.class);
        assertThat(ResNet.build(ResNetSpec.cifarResNet(20)).namedModules().get("layer2.0.downsample"))
                .isInstanceOf(ShortcutA.class);
    }

    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource(delimiter = ';', value = {
            "resnet18; 3x224x224; (2, 64, 56, 56) (2, 128, 28, 28) (2, 256, 14, 14) (2, 512, 7, 7); (2, 1000)",
            "resnet50; 3x224x224; (2, 256, 56, 56) (2, 512, 28, 28) (2, 1024, 14, 14) (2, 2048, 7, 7); (2, 1000)",
            "resnet18; 3x64x64; (2, 64, 16, 16) (2, 128, 8, 8) (2, 256, 4, 4) (2, 512, 2, 2); (2, 1000)",
            "resnet20; 3x32x32; (2, 16, 32, 32) (2, 32, 16, 16) (2, 64, 8, 8); (2, 10)",
            "plain56; 3x32x32; (2, 16, 32, 32) (2, 32, 16, 16) (2, 64, 8, 8); (2, 10)",
            "preact-resnet164; 3x32x32; (2, 64, 32, 32) (2, 128, 16, 16) (2, 256, 8, 8); (2, 10)",
            "wrn-28-10; 3x32x32; (2, 160, 32, 32) (2, 320, 16, 16) (2, 640, 8, 8); (2, 10)"})
    void outputShapePerStage(String name, String input, String stages, String logits) {
        String[] chw = input.split("x");
        Shape s = Shape.of(2, Integer.parseInt(chw[0]), Integer.parseInt(chw[1]), Integer.parseInt(chw[2]));
        Sequential net = ResNet.build(ModelRegistry.spec(name));
        List<String> seen = new ArrayList<>();
        for (Map.Entry<String, Module> e : net.children().entrySet()) {
            s = e.getValue().outputShape(s);
            if (e.getKey().startsWith("layer")) {
                seen.add(s.toString());
            }
        }
        assertThat(String.join(" ", seen)).isEqualTo(stages);
        assertThat(s.toString()).isEqualTo(logits);
    }

    @Test
    void inputChannelsAndClassesChangeOnlyTheStemAndTheHead() {
        Sequential net = ResNet.build(ResNetSpec.cifarResNet(20).withInputChannels(1).withNumClasses(7));
        assertThat(net.namedParameters().get("conv1.weight").shape()).isEqualTo(Shape.of(16, 1, 3, 3));
        assertThat(net.namedParameters().get("fc.weight").shape()).isEqualTo(Shape.of(7, 64));
        assertThat(net.parameterCount()).isEqualTo(269_722L - 2 * 16 * 9 - 3 * 65);
    }

    @Test
    void strideSitsOnTheThreeByThreeInV15AndOnTheFirstOneByOneInV1() {
        // Two stages of resnet50's units: the first unit of layer2 is where the placement shows.
        ResNetSpec spec = ResNetSpec.imagenet(ResNetSpec.Block.BOTTLENECK, 3, 4);
        Sequential v15 = ResNet.build(spec);
        Sequential v1 = ResNet.build(spec.withStridePlacement(StridePlacement.V1));
        assertThat(conv(v15, "layer2.0.conv1").stride()).isEqualTo(1);
        assertThat(conv(v15, "layer2.0.conv2").stride()).isEqualTo(2);
        assertThat(conv(v1, "layer2.0.conv1").stride()).isEqualTo(2);
        assertThat(conv(v1, "layer2.0.conv2").stride()).isEqualTo(1);
        assertThat(conv(v1, "layer2.0.downsample.0").stride()).isEqualTo(2);
        assertThat(v1.parameterCount()).isEqualTo(v15.parameterCount());
        // Multiply-adds differ: v1 runs the 3x3 on the subsampled map (torchvision: 4.09 G for v1.5, paper 3.8 G for
        // v1).
        assertThat(ModelSummary.of(v1, Shape.of(1, 3, 224, 224)).totalMacs())
                .isLessThan(ModelSummary.of(v15, Shape.of(1, 3, 224, 224)).totalMacs());
    }

    @Test
    void shortcutOptionsAddProjectionsWhereTheReferencesSay() {
        // Option C: a projection in every unit; resnet20 gets 9 of them.
        Sequential c = ResNet.build(ResNetSpec.cifarResNet(20).withShortcut(Shortcut.C));
        assertThat(c.namedModules().keySet().stream().filter(k -> k.endsWith(".downsample"))).hasSize(9);
        Sequential b = ResNet.build(ResNetSpec.cifarResNet(20).withShortcut(Shortcut.B));
        assertThat(b.namedModules().keySet().stream().filter(k -> k.endsWith(".downsample"))).hasSize(2);
        assertThat(b.parameterCount()).isEqualTo(269_722L + (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64));
    }

    @Test
    void preActivationProjectionTakesThePreActivatedInput() {
        // In a shape-changing pre-activation unit bn1 and relu1 come before the split (fb.resnet.torch
        // 'both_preact'): the unit is Sequential(bn1, relu1, Residual(conv1..., downsample)).
        Sequential net = ResNet.build(ModelRegistry.spec("preact-resnet110"));
        Module unit = net.namedModules().get("layer2.0");
        assertThat(unit).isInstanceOf(Sequential.class);
        assertThat(unit.children().keySet()).containsExactly("bn1", "relu1", "");
        Residual r = (Residual) unit.children().get("");
        assertThat(r.reluAfterAdd()).isFalse();
        assertThat(r.branch().children().keySet()).containsExactly("conv1", "bn2", "relu2", "conv2");
        assertThat(r.shortcut().children().keySet()).containsExactly("0");
        // An identity unit keeps its whole pre-activation on the branch.
        Residual identity = (Residual) net.namedModules().get("layer2.1");
        assertThat(identity.shortcut()).isNull();
        assertThat(identity.branch().children().keySet())
                .containsExactly("bn1", "relu1", "conv1", "bn2", "relu2", "conv2");
        assertThat(net.children().keySet()).containsSubsequence("layer3", "bn_final", "relu_final", "avgpool");
    }

    @Test
    void preActivationAfterTheImageNetStemSkipsTheFirstUnitsPreActivation() {
        // fb.resnet.torch preresnet.lua: layer(block, 64, def[1], 1, 'first') -> 'no_preact', because the stem
        // already ends in BN-ReLU-maxpool.
        ResNetSpec spec = new ResNetSpec(ResNetSpec.Block.BOTTLENECK, List.of(1, 1), List.of(64, 128),
                ResNetSpec.Stem.IMAGENET, StridePlacement.V1_5, Shortcut.B, true, 1, false, true, 3, 5);
        Sequential net = ResNet.build(spec, 3);
        Residual first = (Residual) net.namedModules().get("layer1.0");
        assertThat(first.branch().children().keySet())
                .containsExactly("conv1", "bn2", "relu2", "conv2", "bn3", "relu3", "conv3");
        assertThat(net.namedModules().get("layer2.0").children().keySet()).containsExactly("bn1", "relu1", "");
        assertThat(net.children().keySet()).containsExactly("conv1", "bn1", "relu", "maxpool", "layer1", "layer2",
                "bn_final", "relu_final", "avgpool", "flatten", "fc");
        runsForwardAndBackward(net, Shape.of(2, 3, 32, 32), Shape.of(2, 5));
    }

    @Test
    void plainTwinsTrainLikeAnyNetwork() {
        runsForwardAndBackward(ResNet.build(ModelRegistry.spec("plain8"), 4), Shape.of(2, 3, 8, 8), Shape.of(2, 10));
        runsForwardAndBackward(ResNet.build(ResNetSpec.preActResNet(11, ResNetSpec.Block.BOTTLENECK).plain(), 4),
                Shape.of(2, 3, 8, 8), Shape.of(2, 10));
    }

    private static void runsForwardAndBackward(Sequential net, Shape in, Shape out) {
        Tensor x = new Tensor(in);
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) Math.sin(0.37 * i);
        }
        Tensor y = net.forward(x);
        assertThat(y.shape()).isEqualTo(out);
        io.resnet4j.nn.CrossEntropyLoss loss = new io.resnet4j.nn.CrossEntropyLoss();
        assertThat(loss.forward(y, new int[] {0, 1})).isFinite();
        Tensor dx = net.backward(loss.backward());
        assertThat(dx.shape()).isEqualTo(in);
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            float[] g = e.getValue().grad().data();
            double norm = 0;
            for (float v : g) {
                norm += Math.abs(v);
            }
            assertThat(norm).as("gradient of " + e.getKey()).isGreaterThan(0);
        }
    }

    @Test
    void zeroInitSetsTheLastBnOfEachBranchToZeroAndSurvivesInitialize() {
        // A two-stage bottleneck net stands in for resnet50 (same units, a fraction of the parameters).
        Sequential net = ResNet.build(
                ResNetSpec.imagenet(ResNetSpec.Block.BOTTLENECK, 1, 1).withZeroInitLastBn(true), 7);
        Map<String, Parameter> p = net.namedParameters();
        assertThat(p.get("layer1.0.bn3.weight").value().data()).containsOnly(0f);
        assertThat(p.get("layer1.0.bn2.weight").value().data()).containsOnly(1f);
        assertThat(p.get("layer1.0.downsample.1.weight").value().data()).containsOnly(1f);
        Sequential basic = ResNet.build(ResNetSpec.cifarResNet(20).withZeroInitLastBn(true), 7);
        assertThat(basic.namedParameters().get("layer3.2.bn2.weight").value().data()).containsOnly(0f);
        assertThat(basic.namedParameters().get("layer3.2.bn1.weight").value().data()).containsOnly(1f);
    }

    @Test
    void specsAreValidatedWithClearErrors() {
        assertThatThrownBy(() -> ResNetSpec.cifarResNet(21)).hasMessageContaining("6n+2");
        assertThatThrownBy(() -> ResNetSpec.resnet18().plain().withShortcut(Shortcut.B))
                .hasMessageContaining("plain net has no shortcut");
        assertThatThrownBy(() -> ResNetSpec.resnet18().plain().withZeroInitLastBn(true)).hasMessageContaining("plain");
        assertThatThrownBy(() -> ModelRegistry.spec("preact-resnet110").withZeroInitLastBn(true))
                .hasMessageContaining("pre-activation");
        assertThatThrownBy(() -> ResNetSpec.resnet18().withInputChannels(0)).hasMessageContaining("input channels");
        assertThatThrownBy(() -> ResNetSpec.resnet18().withNumClasses(0)).hasMessageContaining("classes");
        assertThatThrownBy(() -> new ResNetSpec(ResNetSpec.Block.BASIC, List.of(2, 2), List.of(64),
                ResNetSpec.Stem.CIFAR, StridePlacement.V1_5, Shortcut.B, false, 1, false, true, 3, 10))
                .hasMessageContaining("same length");
        assertThatThrownBy(() -> new ResNetSpec(ResNetSpec.Block.BASIC, List.of(2, 2), List.of(64, 32),
                ResNetSpec.Stem.CIFAR, StridePlacement.V1_5, Shortcut.A, false, 1, false, true, 3, 10))
                .hasMessageContaining("use shortcut B");
        assertThatThrownBy(() -> ModelRegistry.spec("resnet19")).hasMessageContaining("model resnet19")
                .hasMessageContaining("6n+2");
        assertThatThrownBy(() -> ModelRegistry.spec("vgg16")).hasMessageContaining("unknown model vgg16")
                .hasMessageContaining("resnet50");
        assertThatThrownBy(() -> ModelRegistry.spec("wrn-28-0")).hasMessageContaining("widening factor");
        assertThatThrownBy(() -> ModelRegistry.spec("wrn-30-10")).hasMessageContaining("6n+4");
        assertThatThrownBy(() -> ModelRegistry.spec("preact-resnet165")).hasMessageContaining("9n+2");
    }

    @Test
    void aTooDeepNameGetsItsFamilysDepthRuleNotUnknownModel() {
        // {name, rule, depth}: 7 digits (past MAX_UNITS units per stage), 11 (past int), 25 (past long).
        String nines = "9".repeat(25);
        String[][] cases = {{"resnet1234568", "6n+2", "1234568"}, {"resnet99999999999", "6n+2", "99999999999"},
                {"cifar-resnet99999999999", "6n+2", "99999999999"}, {"plain99999999999", "6n+2", "99999999999"},
                {"preact-resnet99999999999", "9n+2", "99999999999"}, {"wrn-99999999999-2", "6n+4", "99999999999"},
                {"resnet" + nines, "6n+2", nines}};
        for (String[] c : cases) {
            assertThatThrownBy(() -> ModelRegistry.spec(c[0])).as(c[0]).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("model " + c[0] + ": ").hasMessageContaining(c[1])
                    .hasMessageEndingWith("got " + c[2]);
        }
        assertThatThrownBy(() -> ModelRegistry.spec("resnet1234568")).hasMessageContaining("n from 1 to 100000")
                .hasMessageContaining("..., 600002)");
        assertThatThrownBy(() -> ResNetSpec.cifarResNet(600008)).hasMessageContaining("got 600008");
        assertThat(ModelRegistry.spec("resnet020")).isEqualTo(ResNetSpec.cifarResNet(20));
    }

    @Test
    void aTooWideNameGetsTheWideResNetRuleNotUnknownModel() {
        // {name, k as written}: 0, past MAX_WIDENING (64k channels > MAX_CHANNELS), past int, past long.
        String nines = "9".repeat(25);
        String[][] cases = {{"wrn-28-0", "0"}, {"wrn-28-1025", "1025"}, {"wrn-28-12345", "12345"},
                {"wrn-28-99999999999", "99999999999"}, {"wrn-28-" + nines, nines}, {"plain-wrn-28-12345", "12345"}};
        for (String[] c : cases) {
            assertThatThrownBy(() -> ModelRegistry.spec(c[0])).as(c[0]).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("model " + c[0] + ": a Wide ResNet has widening factor k from 1 to 1024")
                    .hasMessageEndingWith("got " + c[1]);
        }
        assertThatThrownBy(() -> ResNetSpec.wideResNet(28, 0)).hasMessageContaining("widening factor");
        assertThat(ModelRegistry.spec("wrn-16-04")).isEqualTo(ResNetSpec.wideResNet(16, 4));
    }

    @Test
    void anErrorInsidePlainNameNamesTheWholeName() {
        assertThatThrownBy(() -> ModelRegistry.spec("plain-resnet21")).hasMessageStartingWith("model plain-resnet21: ")
                .hasMessageContaining("6n+2");
        assertThatThrownBy(() -> ModelRegistry.spec("plain-plain-wrn-30-10"))
                .hasMessageStartingWith("model plain-plain-wrn-30-10: ").hasMessageContaining("6n+4");
        assertThatThrownBy(() -> ModelRegistry.spec("plain-alexnet"))
                .hasMessageStartingWith("unknown model plain-alexnet;");
        assertThat(ModelRegistry.spec("plain-resnet20")).isEqualTo(ResNetSpec.cifarResNet(20).plain());
    }

    @Test
    void registryResolvesEveryFamily() {
        for (String name : ModelRegistry.names()) {
            assertThat(ModelRegistry.spec(name)).as(name).isNotNull();
        }
        assertThat(ModelRegistry.spec("resnet50").stem()).isEqualTo(ResNetSpec.Stem.IMAGENET);
        assertThat(ModelRegistry.spec("cifar-resnet50")).isEqualTo(ResNetSpec.cifarResNet(50));
        assertThat(ModelRegistry.spec("resnet56")).isEqualTo(ResNetSpec.cifarResNet(56));
        assertThat(ModelRegistry.spec("resnet62").depth()).isEqualTo(62);
        assertThat(ModelRegistry.spec("plain110")).isEqualTo(ResNetSpec.cifarResNet(110).plain());
        assertThat(ModelRegistry.spec("plain18")).isEqualTo(ResNetSpec.resnet18().plain());
        assertThat(ModelRegistry.spec("preact-resnet110").block()).isEqualTo(ResNetSpec.Block.BASIC);
        assertThat(ModelRegistry.spec("preact-resnet164").block()).isEqualTo(ResNetSpec.Block.BOTTLENECK);
        assertThat(ModelRegistry.spec("preact-resnet1001").depth()).isEqualTo(1001);
        assertThat(ModelRegistry.spec("wrn-40-4").widthMultiplier()).isEqualTo(4);
        assertThat(ModelRegistry.spec("wrn-40-4").stageSizes()).containsExactly(6, 6, 6);
        // He et al. count the stem conv, the convs of the units and fc (WRN's 6n+4 also counts the projections).
        for (String name : List.of("resnet18", "resnet50", "resnet110", "preact-resnet164", "preact-resnet1001",
                "plain34")) {
            ResNetSpec s = ModelRegistry.spec(name).withNumClasses(100);
            assertThat(s.depth()).as(name).isEqualTo(Integer.parseInt(name.replaceAll("\\D+(\\d+).*", "$1")));
            assertThat(ResNetSpec.parse(s.encode())).isEqualTo(s);
        }
        assertThatThrownBy(() -> ResNetSpec.parse("block=basic")).hasMessageContaining("keys");
    }

    private static Conv2d conv(Sequential net, String name) {
        return (Conv2d) net.namedModules().get(name);
    }

    private static List<String> names(Module m) {
        return new ArrayList<>(m.namedParameters().keySet());
    }

    private static long count(Module m, Class<?> type) {
        return m.modules().stream().filter(type::isInstance).count();
    }

    private static String dims(Shape s) {
        StringBuilder b = new StringBuilder();
        for (int d : s.dims()) {
            b.append(b.length() == 0 ? "" : ",").append(d);
        }
        return b.toString();
    }

    private static long referenceCount(String name) {
        for (String line : keyLines()) {
            String[] f = line.split(" ");
            if (f[0].equals("count") && f[1].equals(name)) {
                return Long.parseLong(f[2]);
            }
        }
        throw new AssertionError("state_dict_keys.txt has no count for " + name
                + "; regenerate with " + Fixture.PYTHON + " tools/reference/state_dict_keys.py");
    }

    /** The key list, checked against the SHA-256 of the generator that wrote it. */
    static List<String> keyLines() {
        Path root = Fixture.repoRoot();
        Path file = root.resolve("resnet4j-vision/src/test/resources/fixtures/models/state_dict_keys.txt");
        String regenerate = "; regenerate with " + Fixture.PYTHON + " tools/reference/state_dict_keys.py";
        try {
            if (!Files.exists(file)) {
                throw new AssertionError("missing fixture " + root.relativize(file) + regenerate);
            }
            List<String> lines = Files.readAllLines(file);
            String[] head = lines.get(0).split(" ");
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(root.resolve(head[2]))));
            if (!digest.equals(head[4])) {
                throw new AssertionError("stale fixture " + root.relativize(file) + regenerate);
            }
            return lines.subList(1, lines.size());
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new AssertionError("cannot read " + file + ": " + e, e);
        }
    }
}
