#!/usr/bin/env bash
# Builds and runs the convolution benchmark table in one go: resnet4j (ConvBench, JDK of JAVA_HOME / PATH),
# PyTorch (Debian python3-torch; run with and without the glibc malloc tunables, the faster kept) and the
# equivalent sgemm through OpenBLAS (Debian libopenblas). All at THREADS threads (default 2).
#
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for these runs only (some machines set them, which halves
# OpenBLAS's speed; see shared/PERF-NOTES.md). The three systems run one after the other, ROUNDS times; per
# row each system's best median is kept (the machine is shared: this gives each its least disturbed run).
# Results: target/conv-table/*.tsv and table.md.
#
# usage: tools/bench/conv-table.sh      (THREADS=2 ROUNDS=2 BLOCKS=7 BLOCK_MS=250 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-2}
BLOCKS=${BLOCKS:-7}
BLOCK_MS=${BLOCK_MS:-250}
ROUNDS=${ROUNDS:-2}
OUT=target/conv-table
rm -rf "$OUT"
mkdir -p "$OUT"
PY=/usr/bin/python3.11
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS")
TUNED=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184

echo "== build" >&2
mvn -B -q -pl resnet4j-bench -am verify -DskipTests >&2
gcc -O2 -o "$OUT/sgemm_bench" tools/bench/sgemm_bench.c -lopenblas
"$PY" tools/bench/gemm_list.py > "$OUT/gemms.txt"

for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round, load: $(uptime)" >&2
    echo "== resnet4j (ConvBench)" >&2
    mvn -B -q -pl resnet4j-bench -am verify -DskipTests -Pconv-bench -Dbench.args="--threads $THREADS \
--blocks $BLOCKS --block-ms $BLOCK_MS --tsv $PWD/$OUT/r4j-$round.tsv" >&2
    echo "== PyTorch, default malloc" >&2
    "${CLEAN[@]}" "$PY" tools/bench/torch_conv.py --threads "$THREADS" --blocks "$BLOCKS" --block-ms "$BLOCK_MS" \
        > "$OUT/torch-default-$round.tsv"
    echo "== PyTorch, GLIBC_TUNABLES=$TUNED" >&2
    "${CLEAN[@]}" GLIBC_TUNABLES="$TUNED" "$PY" tools/bench/torch_conv.py --threads "$THREADS" --blocks "$BLOCKS" \
        --block-ms "$BLOCK_MS" > "$OUT/torch-tuned-$round.tsv"
    echo "== OpenBLAS sgemm" >&2
    "${CLEAN[@]}" "$OUT/sgemm_bench" < "$OUT/gemms.txt" > "$OUT/openblas-$round.tsv"
done

echo "== load: $(uptime)" >&2
"$PY" tools/bench/table.py "$OUT" | tee "$OUT/table.md"
