/*
 * OpenBLAS reference for the conv table: GFLOP/s (median of timed blocks) of cblas_sgemm on the GEMM each
 * convolution pass amounts to. Reads lines "shape pass M N K transA transB" (gemm_list.py) from stdin,
 * prints TSV lines: openblas <tab> shape <tab> pass <tab> GFLOP/s. Threads: OPENBLAS_NUM_THREADS.
 *
 * build: gcc -O2 -o sgemm_bench tools/bench/sgemm_bench.c -lopenblas
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BLOCKS 7
#define BLOCK_SECONDS 0.25

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static float *random_matrix(size_t size) {
    float *a = malloc(size * sizeof(float));
    if (!a) {
        fprintf(stderr, "sgemm_bench: out of memory for %zu floats\n", size);
        exit(1);
    }
    unsigned s = 12345;
    for (size_t i = 0; i < size; i++) {
        s = s * 1103515245u + 12345u;
        a[i] = (float) ((s >> 9) & 0xffff) / 32768.0f - 1.0f;
    }
    return a;
}

int main(void) {
    char shape[128], pass[32];
    int m, n, k, ta, tb;
    while (scanf("%127s %31s %d %d %d %d %d", shape, pass, &m, &n, &k, &ta, &tb) == 7) {
        float *a = random_matrix((size_t) m * k), *b = random_matrix((size_t) k * n), *c = random_matrix((size_t) m * n);
        int lda = ta ? m : k, ldb = tb ? k : n;
        double flops = 2.0 * m * n * k;
#define RUN cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, \
                        m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n)
        for (int i = 0; i < 3; i++) RUN;
        double t0 = now();
        int calls = 0;
        while (now() - t0 < 0.3) {
            RUN;
            calls++;
        }
        int reps = (int) (BLOCK_SECONDS / ((now() - t0) / calls) + 0.5);
        if (reps < 1) reps = 1;
        double rate[BLOCKS];
        for (int bl = 0; bl < BLOCKS; bl++) {
            t0 = now();
            for (int r = 0; r < reps; r++) RUN;
            rate[bl] = flops * reps / (now() - t0) / 1e9;
        }
        qsort(rate, BLOCKS, sizeof(double), cmp);
        printf("openblas\t%s\t%s\t%.1f\n", shape, pass, rate[BLOCKS / 2]);
        fflush(stdout);
        free(a);
        free(b);
        free(c);
    }
    return 0;
}
