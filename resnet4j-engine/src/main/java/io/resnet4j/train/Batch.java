package io.resnet4j.train;

import io.resnet4j.tensor.Tensor;

/**
 * One mini-batch: images (size, C, H, W) and labels (size). The arrays belong to the source and are reused:
 * a batch is valid until the source's next batch is taken. The last batch of an epoch may be smaller than
 * the others (unless the source drops it), in which case {@code images} has the smaller leading dimension.
 */
public record Batch(Tensor images, int[] labels, int size) {
    public Batch {
        if (images.shape().n() != size || labels.length < size) {
            throw new IllegalArgumentException("batch of " + size + " with images " + images.shape() + " and " + labels.length + " labels");
        }
    }
}
