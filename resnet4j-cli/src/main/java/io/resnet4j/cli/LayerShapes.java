package io.resnet4j.cli;

import io.resnet4j.tensor.Shape;

/** Shapes as the command line prints them: (N, C, H, W). */
final class LayerShapes {
    private LayerShapes() {
    }

    static String text(Shape s) {
        int[] d = s.dims();
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < d.length; i++) {
            b.append(i == 0 ? "" : ", ").append(d[i]);
        }
        return b.append(')').toString();
    }
}
