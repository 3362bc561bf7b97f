package io.resnet4j.data;

import io.resnet4j.train.Batch;
import org.junit.jupiter.api.Test;

import java.util.Iterator;

import static org.assertj.core.api.Assertions.assertThat;

/** The example of docs/data.md, on the bundled subset instead of the full dataset. */
class DataDocExampleTest {
    @Test
    void docExampleRuns() {
        ArrayDataset train = Datasets.fashionMnistSubset(Split.TRAIN);
        ArrayDataset test = Datasets.fashionMnistSubset(Split.TEST);
        Augmentation.Normalization norm = Augmentation.Normalization.fashionMnist();
        long seen = 0;
        try (DataLoader trainLoader = new DataLoader(train, Augmentation.padCropFlip(28, 4, norm), LoaderConfig.train(128, 42));
             DataLoader testLoader = new DataLoader(test, Augmentation.normalizeOnly(28, 28, norm), LoaderConfig.eval(256))) {
            for (int epoch = 0; epoch < 2; epoch++) {
                for (Iterator<Batch> it = trainLoader.epoch(epoch); it.hasNext(); ) {
                    Batch batch = it.next();
                    assertThat(batch.images().shape().dims()).containsExactly(batch.size(), 1, 28, 28);
                    seen += batch.size();
                }
            }
            assertThat(testLoader.batchesPerEpoch()).isEqualTo(4);
        }
        assertThat(seen).isEqualTo(10_000);
    }
}
