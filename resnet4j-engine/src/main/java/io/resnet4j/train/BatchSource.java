package io.resnet4j.train;

import java.util.Iterator;

/**
 * Mini-batches for training or evaluation. {@link #epoch(int)} returns the batches of one epoch in an order
 * that depends only on the source's seed and the epoch number (so a resumed run sees the same batches as an
 * uninterrupted one). Only one epoch iterator is used at a time.
 */
public interface BatchSource extends AutoCloseable {
    /** Examples in one pass over the data. */
    int size();

    /** Batches one epoch yields. */
    int batchesPerEpoch();

    /** The batches of epoch {@code epoch} (0-based). */
    Iterator<Batch> epoch(int epoch);

    /** Releases background threads; the default does nothing. */
    @Override
    default void close() {
    }
}
