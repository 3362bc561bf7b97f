#!/usr/bin/env bash
# Whole-model A/B of two commits in one JVM (io.resnet4j.bench.TwoBuilds: one class loader per build, blocks of
# steps alternating A B / B A, the speed ratio taken round by round). Each commit is checked out as a git worktree
# under target/two-builds/ and compiled there (mvn package, nothing installed); the harness runs from this
# checkout's bench classes (build it first: mvn -q install -DskipTests). The worktrees stay for the next run;
# remove one with `git worktree remove --force target/two-builds/REV`, or after `mvn clean` with `git worktree prune`.
#
# usage: tools/bench/two-builds.sh COMMIT_A COMMIT_B WORKLOAD [TwoBuilds options...]
#   e.g. tools/bench/two-builds.sh aeab91f HEAD resnet20:train:128 --rounds 20 --steps 3
#   env: JAVA (default java), JAVA_OPTS (default: fixed pre-touched 8 GiB heap, ParallelGC, transparent huge pages)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -lt 3 ]; then
    sed -n '2,10p' "$0" >&2
    exit 2
fi
A=$1 B=$2 WORKLOAD=$3
shift 3
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:-"-Xms8g -Xmx8g -XX:+AlwaysPreTouch -XX:+UseParallelGC -XX:+UseTransparentHugePages"}
ROOT=$PWD/target/two-builds
mkdir -p "$ROOT"
DEPS=$ROOT/deps.txt
mvn -q -o -pl resnet4j-bench dependency:build-classpath -Dmdep.outputFile="$DEPS" >&2
DEPCP=$(tr ':' '\n' < "$DEPS" | grep -v '/io/resnet4j/' | paste -sd: -)

build() {
    local rev dir
    rev=$(git rev-parse --short "$1")
    dir=$ROOT/$rev
    if [ ! -d "$dir" ]; then
        git worktree add -q --detach "$dir" "$rev"
    fi
    (cd "$dir" && mvn -q -o package -DskipTests -pl resnet4j-bench -am >&2)
    echo "$dir/resnet4j-engine/target/classes:$dir/resnet4j-vision/target/classes:$dir/resnet4j-bench/target/classes:$DEPCP"
}
echo "== A = $(git rev-parse --short "$A"), B = $(git rev-parse --short "$B"), $WORKLOAD | load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
CPA=$(build "$A")
CPB=$(build "$B")
# shellcheck disable=SC2086
"$JAVA" --add-modules=jdk.incubator.vector $JAVA_OPTS -cp "resnet4j-bench/target/classes:$DEPCP" \
    io.resnet4j.bench.TwoBuilds --workload "$WORKLOAD" --a "$CPA" --b "$CPB" "$@" 2>&1 | grep -v '^WARNING: Using incubator'
