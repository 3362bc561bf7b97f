#!/usr/bin/python3.11
"""Merges the TSV results of resnet4j, PyTorch and OpenBLAS into one Markdown table. Each system may have
several result files (rounds; for PyTorch also runs with and without the glibc tunables): per row the best
of its files is kept, so that every system gets its least disturbed run on a shared machine.

usage: table.py DIR   (reads DIR/r4j-*.tsv, DIR/torch-*.tsv, DIR/openblas-*.tsv)
"""
import glob
import os
import sys

import shapes


def read(path):
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            src, shape, p, g = line.rstrip("\n").split("\t")
            out[(shape, p)] = float(g)
    return out


def best(paths):
    out = {}
    for p in paths:
        for key, g in read(p).items():
            out[key] = max(out.get(key, 0.0), g)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    files = {name: sorted(glob.glob(os.path.join(d, name + "-*.tsv"))) for name in ("r4j", "torch", "openblas")}
    if not all(files.values()):
        sys.exit(f"table.py: missing results in {d}: {files}")
    r4j, torch_best, blas = (best(files[n]) for n in ("r4j", "torch", "openblas"))
    print("| shape | pass | GEMM M×N×K | resnet4j | PyTorch | OpenBLAS GEMM | resnet4j / PyTorch | resnet4j / OpenBLAS |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    missing = []
    for s in shapes.load():
        for p in shapes.PASSES:
            key = (s["name"], p)
            if key not in r4j or key not in blas or key not in torch_best:
                missing.append(key)
                continue
            t = torch_best[key]
            m, n, k, _, _ = shapes.gemm(s, p)
            print(f"| {s['name']} | {p} | {m}×{n}×{k} | {r4j[key]:.1f} | {t:.1f} | {blas[key]:.1f} "
                  f"| {r4j[key] / t:.2f} | {r4j[key] / blas[key]:.2f} |")
    if missing:
        sys.exit(f"table.py: no result for {missing}; does conv-shapes.txt match ConvShapes.java?")


if __name__ == "__main__":
    main()
