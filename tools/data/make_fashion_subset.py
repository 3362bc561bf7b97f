#!/usr/bin/env python3
"""Writes the Fashion-MNIST subset bundled in resnet4j-vision (the CLI's zero-setup default).

Selection (deterministic, balanced): from the training file, the first 500 images of each of the 10 classes;
from the test file, the first 100 of each class; the selected images keep their order in the original file.
Output: gzip IDX files (gzip header mtime 0, so reruns write identical bytes) in
resnet4j-vision/src/main/resources/io/resnet4j/data/fashion-mnist-subset/.

Input: the files of Debian's dataset-fashion-mnist package (sudo apt-get install dataset-fashion-mnist),
or the four official .gz files in the directory given with --source. Only the Python standard library is used.

    python3 tools/data/make_fashion_subset.py [--source DIR] [--out DIR]
"""
import argparse
import gzip
import io
import pathlib
import struct

TRAIN_PER_CLASS = 500
TEST_PER_CLASS = 100
CLASSES = 10
ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "resnet4j-vision/src/main/resources/io/resnet4j/data/fashion-mnist-subset"


def read_idx(path, magic, ndims):
    data = gzip.decompress(path.read_bytes())
    got, = struct.unpack(">I", data[:4])
    if got != magic:
        raise SystemExit(f"{path}: magic {got:#x}, expected {magic:#x}")
    dims = struct.unpack(">" + "I" * ndims, data[4:4 + 4 * ndims])
    return dims, data[4 + 4 * ndims:]


def write_idx_gz(path, magic, dims, payload):
    raw = struct.pack(">I", magic) + struct.pack(">" + "I" * len(dims), *dims) + payload
    buf = io.BytesIO()
    # mtime=0 and no file name in the header: the output depends only on the content.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as f:
        f.write(raw)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)


def subset(source, out, prefix, per_class):
    (n, rows, cols), pixels = read_idx(source / f"{prefix}-images-idx3-ubyte.gz", 0x803, 3)
    (n_labels,), labels = read_idx(source / f"{prefix}-labels-idx1-ubyte.gz", 0x801, 1)
    if n != n_labels:
        raise SystemExit(f"{prefix}: {n} images but {n_labels} labels")
    counts = [0] * CLASSES
    chosen = []
    for i, label in enumerate(labels):
        if counts[label] < per_class:
            counts[label] += 1
            chosen.append(i)
    if any(c != per_class for c in counts):
        raise SystemExit(f"{prefix}: fewer than {per_class} images in some class: {counts}")
    size = rows * cols
    images = b"".join(pixels[i * size:(i + 1) * size] for i in chosen)
    chosen_labels = bytes(labels[i] for i in chosen)
    write_idx_gz(out / f"{prefix}-images-idx3-ubyte.gz", 0x803, (len(chosen), rows, cols), images)
    write_idx_gz(out / f"{prefix}-labels-idx1-ubyte.gz", 0x801, (len(chosen),), chosen_labels)
    print(f"{prefix}: {len(chosen)} images ({per_class} per class), last source index {chosen[-1]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=pathlib.Path, default=pathlib.Path("/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    if not (args.source / "train-images-idx3-ubyte.gz").exists():
        raise SystemExit(f"no Fashion-MNIST files in {args.source}: sudo apt-get install dataset-fashion-mnist, "
                         "or pass --source DIR holding the four official .gz files")
    args.out.mkdir(parents=True, exist_ok=True)
    subset(args.source, args.out, "train", TRAIN_PER_CLASS)
    subset(args.source, args.out, "t10k", TEST_PER_CLASS)


if __name__ == "__main__":
    main()
