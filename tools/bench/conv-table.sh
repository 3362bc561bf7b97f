#!/usr/bin/env bash
# Builds and runs the convolution benchmark table in one go: resnet4j (ConvBench, JDK of JAVA_HOME / PATH),
# PyTorch (Debian python3-torch; run with and without the glibc malloc tunables, the faster kept) and the
# equivalent sgemm through OpenBLAS (Debian libopenblas). All at THREADS threads (default 2).
#
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for these runs only (some machines set them, which halves
# OpenBLAS's speed; see shared/PERF-NOTES.md). Results: target/conv-table/*.tsv and table.md.
#
# usage: tools/bench/conv-table.sh            (THREADS=2 BLOCKS=7 BLOCK_MS=250 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-2}
BLOCKS=${BLOCKS:-7}
BLOCK_MS=${BLOCK_MS:-250}
OUT=target/conv-table
mkdir -p "$OUT"
PY=/usr/bin/python3.11
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS")
TUNED=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184

echo "== load: $(uptime)" >&2
echo "== resnet4j (ConvBench)" >&2
mvn -B -q -pl resnet4j-bench -am verify -DskipTests -Pconv-bench \
    -Dbench.args="--threads $THREADS --blocks $BLOCKS --block-ms $BLOCK_MS --tsv $PWD/$OUT/r4j.tsv" >&2

echo "== PyTorch, default malloc" >&2
"${CLEAN[@]}" "$PY" tools/bench/torch_conv.py --threads "$THREADS" --blocks "$BLOCKS" --block-ms "$BLOCK_MS" \
    > "$OUT/torch-default.tsv"
echo "== PyTorch, GLIBC_TUNABLES=$TUNED" >&2
"${CLEAN[@]}" GLIBC_TUNABLES="$TUNED" "$PY" tools/bench/torch_conv.py --threads "$THREADS" --blocks "$BLOCKS" \
    --block-ms "$BLOCK_MS" > "$OUT/torch-tuned.tsv"

echo "== OpenBLAS sgemm" >&2
gcc -O2 -o "$OUT/sgemm_bench" tools/bench/sgemm_bench.c -lopenblas
"$PY" tools/bench/gemm_list.py | "${CLEAN[@]}" "$OUT/sgemm_bench" > "$OUT/openblas.tsv"

echo "== load: $(uptime)" >&2
"$PY" tools/bench/table.py "$OUT/r4j.tsv" "$OUT/torch-default.tsv" "$OUT/torch-tuned.tsv" "$OUT/openblas.tsv" \
    | tee "$OUT/table.md"
