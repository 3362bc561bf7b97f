package io.resnet4j.cli;

import io.resnet4j.data.ArrayDataset;
import io.resnet4j.data.Augmentation;
import io.resnet4j.data.DataLoader;
import io.resnet4j.data.Datasets;
import io.resnet4j.data.LoaderConfig;
import io.resnet4j.data.Split;
import io.resnet4j.models.ModelRegistry;
import io.resnet4j.models.ResNet;
import io.resnet4j.nn.Inference;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.train.TrainConfig;
import io.resnet4j.train.TrainResult;
import io.resnet4j.train.Trainer;
import java.nio.file.Path;

/**
 * The README's library example, compiled with the tests; {@link ReadmeExampleTest} checks that the README shows
 * exactly the lines between the markers.
 */
final class ReadmeExample {
    private ReadmeExample() {
    }

    static Tensor run() {
        // README:start
        Sequential net = ResNet.build(ModelRegistry.spec("resnet20").withInputChannels(1)); // CIFAR ResNet-20, grey input
        ArrayDataset train = Datasets.fashionMnistSubset(Split.TRAIN);   // 5,000 images bundled in the jar
        ArrayDataset test = Datasets.fashionMnistSubset(Split.TEST);     // 1,000 images
        Augmentation.Normalization norm = Augmentation.Normalization.fashionMnist();
        try (DataLoader trainData = new DataLoader(train, Augmentation.padCropFlip(28, 4, norm), LoaderConfig.train(128, 42));
             DataLoader testData = new DataLoader(test, Augmentation.normalizeOnly(28, 28, norm), LoaderConfig.eval(100))) {
            TrainConfig config = TrainConfig.builder(Path.of("runs/example")).epochs(3).seed(42).build();
            TrainResult result = new Trainer(net, config, trainData, testData).fit();   // SGD 0.9, lr 0.1, checkpoints
            System.out.printf("test accuracy %.2f%%%n", 100 * result.bestTestAcc());
            Module frozen = Inference.freeze(net);                                      // inference copy, BN folded
            Tensor logits = frozen.forward(testData.epoch(0).next().images());          // (100, 10) class scores
            // README:end
            return logits;
        }
    }
}
