package io.resnet4j.cli;

import java.util.ArrayList;
import java.util.List;

/** The k most likely classes of one logit vector, with softmax probabilities (computed in double). */
final class TopK {
    record Entry(int index, double probability, float logit) {
    }

    private TopK() {
    }

    /** Entries in decreasing logit order (ties: lower index first); k is capped at the number of classes. */
    static List<Entry> of(float[] logits, int offset, int classes, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < classes; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < classes; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        int n = Math.min(k, classes);
        List<Entry> top = new ArrayList<>(n);
        boolean[] taken = new boolean[classes];
        for (int r = 0; r < n; r++) {
            int best = -1;
            for (int i = 0; i < classes; i++) {
                if (!taken[i] && (best < 0 || logits[offset + i] > logits[offset + best])) {
                    best = i;
                }
            }
            taken[best] = true;
            top.add(new Entry(best, Math.exp(logits[offset + best] - max) / sum, logits[offset + best]));
        }
        return top;
    }
}
