package io.resnet4j.data;

import java.util.List;

/**
 * Labelled images with uint8 pixels. {@link ArrayDataset} holds decoded images in one array (IDX, CIFAR);
 * {@link ImageFolderDataset} decodes files on demand. Implementations are safe for concurrent
 * {@link #read} calls from several loader threads, each with its own {@link ImageView}.
 */
public interface Dataset {
    /** A short name for messages, e.g. {@code fashion-mnist/train}. */
    String name();

    /** Number of examples. */
    int size();

    /** Channels of every image (1 for grey, 3 for RGB). */
    int channels();

    /** Height of every image, or -1 when images differ in size (image folders). */
    int height();

    /** Width of every image, or -1 when images differ in size. */
    int width();

    /** Class names; labels index this list. */
    List<String> classNames();

    default int numClasses() {
        return classNames().size();
    }

    /** Label of example {@code i}, in {@code [0, numClasses())}. */
    int label(int i);

    /**
     * Points {@code view} at the pixels of example {@code i}, decoding them into {@code view}'s buffer if needed.
     *
     * @throws DatasetException if the example cannot be decoded (naming the file)
     */
    void read(int i, ImageView view);
}
