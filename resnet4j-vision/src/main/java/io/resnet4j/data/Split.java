package io.resnet4j.data;

/** The two standard partitions of a dataset. */
public enum Split {
    TRAIN("train"),
    TEST("test");

    private final String label;

    Split(String label) {
        this.label = label;
    }

    /** "train" or "test", as used in dataset names. */
    public String label() {
        return label;
    }
}
