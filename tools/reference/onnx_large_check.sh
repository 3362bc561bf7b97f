#!/usr/bin/env bash
# The large-model ONNX import check (outside the unit tests: the files are ~45 and ~100 MB).
# Exports seeded torchvision resnet18 and resnet50 with Debian's torch.onnx, imports them into resnet4j and
# compares the outputs with PyTorch's (1e-4 relative). Usage: tools/reference/onnx_large_check.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${1:-/tmp/resnet4j-onnx-large}
/usr/bin/python3.11 tools/reference/onnx_models.py --large "$DIR" 2>&1 | grep -E "checker|wrote"
CP=$(mktemp)
mvn -B -q test-compile dependency:build-classpath -pl resnet4j-onnx -am \
    -Dmdep.includeScope=test -Dmdep.outputFile="$CP" >/dev/null
java --add-modules=jdk.incubator.vector -Xmx8g \
    -cp "resnet4j-onnx/target/test-classes:resnet4j-onnx/target/classes:$(cat "$CP")" \
    io.resnet4j.onnx.tools.OnnxParityTool "$DIR" 2>&1 | grep -v "WARNING: Using incubator"
rm -f "$CP"
