package io.resnet4j.kernels.vector;

/**
 * Per-thread scratch arrays of the Vector API kernels. Each thread (the caller and each pool worker) owns
 * one; arrays are allocated on first use and replaced only when a larger shape arrives, so a training loop
 * at a fixed batch shape allocates nothing in steady state.
 *
 * <p>The fields are split by who uses them: "shared" arrays are filled by the calling thread's job (packed
 * weights, packed gradients) and read by every task of that job; "task" arrays are private to the task
 * running on this thread. A kernel never runs nested inside another kernel's task.
 */
final class Workspace {
    private static final ThreadLocal<Workspace> LOCAL = ThreadLocal.withInitial(Workspace::new);

    // shared by the tasks of the job started on this thread
    float[] packedA = new float[0];
    float[] packedDy = new float[0];
    /** B of a GEMM packed once for all its row blocks (GemmDriver.execute). */
    float[] packedB = new float[0];
    float[] groupSums = new float[0];
    /** Training batch norm: per-plane sums (phase 1, VectorNorm) and per-channel constants of phase 2. */
    double[] planeSums = new double[0];
    /** A vector's lanes, stored to be added in double (LaneMath.addLanes: LaneMath.sum, VectorNorm, VectorLoss). */
    final float[] lanes = new float[Simd.LANES];
    float[] channelConsts = new float[0];
    int[] rowOffsets = new int[0];
    /** PositionTiles' last tile read in place: its taps gathered (crs x MR floats) and their offsets (crs ints). */
    float[] tailTaps = new float[0];
    int[] tailOffsets = new int[0];

    // private to the task running on this thread
    float[] panel = new float[0];
    float[] tile = new float[0];
    /** PositionTiles: one task's tiles (tiles x MR x NR floats). */
    float[] tiles = new float[0];
    /** PositionTiles: the job, call and image this thread last read through (see PositionTiles.touch). */
    Object touchedJob;
    long touchedCall;
    int touchedImg;
    /** Where PositionTiles.touch leaves the sum of what it read, so that the reads are not dropped. */
    float touchSink;
    float[] cols = new float[0];
    float[] partial = new float[0];
    float[] dcol = new float[0];
    /** Backward-data col2im: the phase planes of one image's dx (ConvJobs.DataCol2im). */
    float[] dxPhases = new float[0];
    /** A direct convolution's current image, zero padded; its start in the array returned with it. */
    float[] paddedImage = new float[0];
    int directBase;
    /** Segments of output columns within one output row: RUN ints each (see ConvJobs). */
    int[] runs = new int[0];
    /** Source offsets of the vectors of a block of B panels (direct convolution). */
    int[] vectorOffsets = new int[0];

    // reusable job objects (no per-call allocation)
    final GemmDriver.MatrixGemm gemm = new GemmDriver.MatrixGemm();
    final ConvJobs.Forward convForward = new ConvJobs.Forward();
    final ConvJobs.DataCol2im convDataCol2im = new ConvJobs.DataCol2im();
    final ConvJobs.Weight convWeight = new ConvJobs.Weight();
    final WeightGrid weightGrid = new WeightGrid();
    final WeightGemm weightGemm = new WeightGemm();
    final WeightOuter weightOuter = new WeightOuter();
    final Winograd winograd = new Winograd();
    final DirectConv direct = new DirectConv();
    final DataPhases dataPhases = new DataPhases();
    /** DataPhases: a task's phases of one image, and a phase's flipped sub-kernel. */
    float[] phaseOutputs = new float[0], phaseWeights = new float[0];
    final PositionTiles positionTiles = new PositionTiles();
    final Gemv gemv = new Gemv();
    final ConvJobs.PadBatch padBatch = new ConvJobs.PadBatch();
    float[] paddedBatch = new float[0];
    final ConvJobs.Subsample subsample = new ConvJobs.Subsample();
    /** A strided 1x1 convolution's input samples (or gradient of them), see ConvJobs.Subsample. */
    float[] subsampled = new float[0];
    /** A convolution's output before it is added to the residual (VectorConv.forwardAdd off the GEMM's path). */
    float[] branch = new float[0];
    /**
     * The pointwise geometry a strided 1x1 convolution's backward-weight runs as, by the strided one (kept so
     * that a training step allocates nothing; cleared past SUB_GEOMETRIES entries).
     */
    final java.util.HashMap<io.resnet4j.kernels.ConvGeometry, io.resnet4j.kernels.ConvGeometry> subGeometries =
            new java.util.HashMap<>();
    static final int SUB_GEOMETRIES = 64;
    final Packing.PackA packA = new Packing.PackA();


    static int[] grow(int[] a, int size) {
        return a.length >= size ? a : new int[size];
    }

    /** {@code a} if it holds at least {@code size} doubles, else a new array of that size (contents lost). */
    static double[] grow(double[] a, long size) {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("scratch buffer of " + size + " doubles exceeds one Java array");
        }
        return a.length >= size ? a : new double[(int) size];
    }

    static Workspace get() {
        return LOCAL.get();
    }

    /** {@code a} if it holds at least {@code size} floats, else a new array of that size (contents lost). */
    static float[] grow(float[] a, long size) {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("scratch buffer of " + size + " floats exceeds one Java array");
        }
        return a.length >= size ? a : new float[(int) size];
    }
}
