#!/usr/bin/env bash
# A sampling CPU profile of one end-to-end workload (E2EBench without validation: its warm-up and timed blocks),
# with async-profiler as a JVM agent, and the kernels that took the samples. Vector API calls are inlined, so each
# sample is charged to its deepest resnet4j frame (or to a JVM/kernel frame where no resnet4j frame is on top).
# async-profiler is a development tool here, not a dependency of any module: the script fetches its jar from Maven
# Central into the local repository once (tools.profiler:async-profiler, linux-x64) and unpacks the agent under
# target/profiler. Build first: mvn -q install -DskipTests.
#
# usage: tools/bench/profile.sh [WORKLOAD] [TOP]
#   e.g. tools/bench/profile.sh resnet20:train:128 30
#   env: JAVA (default java), THREADS (2), INTERVAL (1ms), OUT (target/profiler/WORKLOAD.collapsed)
set -euo pipefail
cd "$(dirname "$0")/../.."
WORKLOAD=${1:-resnet20:train:128}
TOP=${2:-30}
JAVA=${JAVA:-java}
THREADS=${THREADS:-2}
INTERVAL=${INTERVAL:-1ms}
VERSION=3.0
DIR=target/profiler
OUT=${OUT:-$DIR/${WORKLOAD//:/-}.collapsed}
mkdir -p "$DIR"
JAR=$HOME/.m2/repository/tools/profiler/async-profiler/$VERSION/async-profiler-$VERSION-linux-x64.jar
if [ ! -f "$JAR" ]; then
    mvn -q dependency:get -Dartifact=tools.profiler:async-profiler:$VERSION:jar:linux-x64 >&2
fi
LIB=$DIR/linux-x64/libasyncProfiler.so
if [ ! -f "$LIB" ]; then
    (cd "$DIR" && unzip -o -q "$JAR" 'linux-x64/*')
fi
CP=resnet4j-bench/target/classes:resnet4j-engine/target/classes:resnet4j-vision/target/classes
"$JAVA" -agentpath:"$PWD/$LIB"=start,event=cpu,interval="$INTERVAL",file="$OUT",collapsed \
    --add-modules=jdk.incubator.vector -Xms8g -Xmx8g -XX:+AlwaysPreTouch -XX:+UseParallelGC \
    -XX:+UseTransparentHugePages -cp "$CP" io.resnet4j.bench.E2EBench --workloads "$WORKLOAD" --threads "$THREADS" \
    --blocks 10 --block-s 2 --warm-s 5 2>&1 | grep -v '^WARNING' >&2
python3 - "$OUT" "$TOP" <<'PY'
import collections, sys
path, top = sys.argv[1], int(sys.argv[2])
shares, total = collections.Counter(), 0
for line in open(path):
    stack, n = line.rsplit(' ', 1)
    n = int(n)
    total += n
    frames = stack.split(';')
    # the deepest resnet4j frame; JVM, GC or kernel frames when no resnet4j frame is on the stack
    own = [f for f in frames if f.startswith('io/resnet4j/')]
    shares[(own[-1] if own else frames[-1]).split('/')[-1]] += n
print(f"{total} samples in {path}")
for name, n in shares.most_common(top):
    print(f"{100.0 * n / total:6.1f}%  {name}")
PY
