#!/usr/bin/env bash
# End-to-end comparison, resnet4j vs PyTorch, in one invocation on this machine (issue 6):
#   CIFAR resnet20/56/110 training (batch 128 and 32) and inference (batch 128 and 1), torchvision resnet50
#   at 3x224x224 inference (batch 1 latency, batch 16 throughput) and training (batch 16); frozen inference
#   (resnet4j Inference.freeze, PyTorch optimize_for_inference) of resnet20 at batch 1 and resnet50 at batch 1 and 16.
# Steps: build the reactor; PyTorch writes the validation file (train-mode logits of the same pattern weights
# and data, float32 and float64, and the losses of 3 SGD steps); then, per JDK of JDKS, PairedBench checks
# resnet4j's numbers against it and times resnet4j and three PyTorch servers (default malloc, GLIBC_TUNABLES=$TUNED,
# and $TUNED with glibc.malloc.hugetlb=1, transparent huge pages as resnet4j's JVM gets them with
# -XX:+UseTransparentHugePages; the fastest counts) in alternating blocks, ROUNDS rounds per workload: this VM's speed
# drifts by 20-40% within minutes, so only blocks run side by side in time compare code. All at THREADS threads:
# Parallel.setThreads, torch.set_num_threads and OPENBLAS_NUM_THREADS/OMP_NUM_THREADS; OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset for these runs only (see shared/PERF-NOTES.md). The load (uptime) is logged before each
# run: the machine is shared.
# Results: target/e2e/paired-JDK.tsv (every block, and a "pair" summary line per workload), log.txt and table.md.
#
# usage: tools/bench/e2e.sh
#   env: WORKLOADS (MODEL:train|infer|frozen:BATCH,...), JDKS ("17 25": JDK homes below), THREADS=2, ROUNDS=7,
#        BLOCK_S=1, WARM_S=3, JAVA_OPTS (default: fixed pre-touched 8 GiB heap, ParallelGC, transparent huge pages)
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-7}
BLOCK_S=${BLOCK_S:-1}
WARM_S=${WARM_S:-3}
JDKS=${JDKS:-"17 25"}
JAVA_OPTS=${JAVA_OPTS:-"-Xms8g -Xmx8g -XX:+AlwaysPreTouch -XX:+UseParallelGC -XX:+UseTransparentHugePages"}
WORKLOADS=${WORKLOADS:-"resnet20:train:128,resnet20:train:32,resnet20:infer:128,resnet20:infer:1,\
resnet56:train:128,resnet56:train:32,resnet56:infer:128,resnet56:infer:1,\
resnet110:train:128,resnet110:train:32,resnet110:infer:128,resnet110:infer:1,\
resnet50:infer:1,resnet50:infer:16,resnet50:train:16,resnet20:frozen:1,resnet50:frozen:1,resnet50:frozen:16"}
declare -A JDK_HOME=([17]=/usr/lib/jvm/java-17-openjdk-amd64 [25]=/usr/lib/jvm/temurin-25-jdk-amd64)
OUT=target/e2e
rm -rf "$OUT"
mkdir -p "$OUT"
PY=/usr/bin/python3.11
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS")
TUNED=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184
CP=resnet4j-bench/target/classes:resnet4j-engine/target/classes:resnet4j-vision/target/classes
log() { echo "== $* | load: $(cut -d' ' -f1-3 /proc/loadavg) | $(date -u +%H:%M:%S)" | tee -a "$OUT/log.txt" >&2; }

log "build"
mvn -B -q -pl resnet4j-bench -am package -DskipTests >&2
log "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cpus; workloads $WORKLOADS"
log "PyTorch validation data"
"${CLEAN[@]}" "$PY" tools/bench/torch_e2e.py --threads "$THREADS" --workloads "$WORKLOADS" --validate "$OUT/validation.tsv"
for jdk in $JDKS; do
    log "resnet4j JDK $jdk and PyTorch, paired"
    "${CLEAN[@]}" "${JDK_HOME[$jdk]}/bin/java" --add-modules=jdk.incubator.vector $JAVA_OPTS -cp "$CP" \
        io.resnet4j.bench.PairedBench --threads "$THREADS" --workloads "$WORKLOADS" --validation "$OUT/validation.tsv" \
        --torch "$PY tools/bench/torch_e2e.py" --tunables "$TUNED" --thp-tunables "$TUNED:glibc.malloc.hugetlb=1" \
        --rounds "$ROUNDS" --block-s "$BLOCK_S" --warm-s "$WARM_S" --tsv "$OUT/paired-$jdk.tsv" 2>&1 \
        | grep -v "^WARNING: Using incubator modules" | tee -a "$OUT/log.txt" >&2
done
log "done"
"$PY" tools/bench/e2e_table.py "$OUT" | tee "$OUT/table.md"
