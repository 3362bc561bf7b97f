package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The buffers that the modules of one network share: one instance per module tree, handed down to a child when
 * it is registered. Two pools, both keyed by shape, grown only when a step needs more buffers than they hold
 * and never shrunk, so that a training step at a fixed batch shape allocates nothing once the first has run.
 *
 * <ul>
 *   <li>Gradients. An input gradient lives only until the module before has read it in its backward, so
 *       gradients come from a few buffers per shape. {@link #gradient} returns the first buffer that is neither
 *       held nor the gradient being read; in a chain of modules that is ping-pong between two buffers. A
 *       composite that needs a gradient across other backward calls holds it ({@link #hold}, {@link #release}):
 *       a residual unit holds the gradient entering both paths and the branch's result while the shortcut runs,
 *       so a network of residual units needs three or four buffers per shape, whatever its depth.</li>
 *   <li>Scratch. Inside a recomputed segment the modules' outputs are not kept for backward: the segment runs
 *       its forward again just before its backward. Their outputs come from scratch buffers shared by every
 *       segment of the network; each pass over a segment ({@link #beginSegment}) restarts at the first buffer
 *       of each shape, so the same module gets the same buffer in the forward and in the replay.</li>
 *   <li>Activations, in a frozen (inference-only) network only ({@link #poolOutputs}): no backward pass needs a
 *       module's output after the next module has read it, so outputs come from a few buffers per shape, as
 *       gradients do: {@link #activation} returns the first buffer that is neither held nor the input being
 *       read, and a residual unit holds its input and its branch's result while it still needs them. The
 *       buffers are reused while they are still in cache, and the activations of a network of any depth take a
 *       few buffers per shape.</li>
 * </ul>
 * A network is used by one thread at a time (the kernels parallelise inside), so nothing here is synchronised.
 */
final class Memory {
    /** The buffers of one shape; holds and the scratch cursor are per buffer and per pass. */
    private static final class Pool {
        final Shape shape;
        Tensor[] buffers = new Tensor[0];
        int[] holds = new int[0];
        int size;
        int cursor;

        Pool(Shape shape) {
            this.shape = shape;
        }

        Tensor add() {
            if (size == buffers.length) {
                buffers = Arrays.copyOf(buffers, size + 2);
                holds = Arrays.copyOf(holds, size + 2);
            }
            Tensor t = new Tensor(shape);
            buffers[size++] = t;
            return t;
        }
    }

    // Few shapes per network (one per activation size), so lists scanned with equals beat a map and allocate nothing.
    private final List<Pool> gradients = new ArrayList<>();
    private final List<Pool> scratch = new ArrayList<>();
    private final List<Pool> activations = new ArrayList<>();
    private boolean inSegment, replaying, pooledOutputs;

    /** From now on module outputs come from {@link #activation} (a frozen network; see the class comment). */
    void poolOutputs() {
        pooledOutputs = true;
    }

    boolean pooledOutputs() {
        return pooledOutputs;
    }

    /** A buffer for a module's output of {@code shape}: not held, and not {@code reading} (the module's input). */
    Tensor activation(Shape shape, Tensor reading) {
        return free(pool(activations, shape), reading);
    }

    /** A buffer for an input gradient of {@code shape}: not held, and not {@code reading} (the gradient being read). */
    Tensor gradient(Shape shape, Tensor reading) {
        return free(pool(gradients, shape), reading);
    }

    /** The first buffer of p that is not held and not {@code reading}'s, a new one if there is none. */
    private static Tensor free(Pool p, Tensor reading) {
        for (int i = 0; i < p.size; i++) {
            Tensor t = p.buffers[i];
            if (p.holds[i] == 0 && (reading == null || t.data() != reading.data())) {
                return t;
            }
        }
        return p.add();
    }

    /**
     * Keeps {@code t} out of {@link #gradient}'s and {@link #activation}'s reach until {@link #release}; a tensor
     * from elsewhere is left alone.
     */
    void hold(Tensor t) {
        changeHold(t, 1);
    }

    void release(Tensor t) {
        changeHold(t, -1);
    }

    /** The holds on t's buffer when it is one of the activation pool's, else -1 (a tensor from elsewhere). */
    int activationHolds(Tensor t) {
        for (int k = 0; k < activations.size(); k++) {
            Pool p = activations.get(k);
            for (int i = 0; i < p.size; i++) {
                if (p.buffers[i].data() == t.data()) {
                    return p.holds[i];
                }
            }
        }
        return -1;
    }

    private void changeHold(Tensor t, int delta) {
        if (!changeHold(gradients, t, delta)) {
            changeHold(activations, t, delta);
        }
    }

    private static boolean changeHold(List<Pool> pools, Tensor t, int delta) {
        // By array, not by shape: a view (Flatten's) holds the buffer it shares.
        for (int k = 0; k < pools.size(); k++) {
            Pool p = pools.get(k);
            for (int i = 0; i < p.size; i++) {
                if (p.buffers[i].data() == t.data()) {
                    if (p.holds[i] + delta < 0) {
                        throw new IllegalStateException("a pooled buffer " + t.shape() + " released more often than held");
                    }
                    p.holds[i] += delta;
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Starts a pass over a recomputed segment: until {@link #endSegment}, module outputs come from scratch. In a
     * replay ({@code replay} true) forward passes repeat one that already happened: side effects such as batch
     * norm's running statistics must not repeat.
     */
    void beginSegment(boolean replay, Module segment) {
        if (inSegment) {
            throw new IllegalStateException(segment + " recomputes its forward inside another recomputed segment; "
                    + "segments cannot nest: recompute either the units or the stages, not both");
        }
        for (int k = 0; k < scratch.size(); k++) {
            scratch.get(k).cursor = 0;
        }
        inSegment = true;
        replaying = replay;
    }

    void endSegment() {
        inSegment = false;
        replaying = false;
    }

    boolean inSegment() {
        return inSegment;
    }

    boolean replaying() {
        return replaying;
    }

    /** The next scratch buffer of {@code shape} in this segment pass. */
    Tensor scratch(Shape shape) {
        Pool p = pool(scratch, shape);
        Tensor t = p.cursor < p.size ? p.buffers[p.cursor] : p.add();
        p.cursor++;
        return t;
    }

    private static Pool pool(List<Pool> pools, Shape shape) {
        for (int k = 0; k < pools.size(); k++) {
            if (pools.get(k).shape.equals(shape)) {
                return pools.get(k);
            }
        }
        Pool p = new Pool(shape);
        pools.add(p);
        return p;
    }

    long gradientBytes() {
        return bytes(gradients);
    }

    long scratchBytes() {
        return bytes(scratch);
    }

    long activationBytes() {
        return bytes(activations);
    }

    private static long bytes(List<Pool> pools) {
        long b = 0;
        for (Pool p : pools) {
            b += 4L * p.size * p.shape.numel();
        }
        return b;
    }
}
