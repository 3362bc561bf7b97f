#!/usr/bin/python3.11
"""Merges the TSV results (r4j, torch with and without the glibc tunables, openblas) into one Markdown table.
For PyTorch the faster of its two runs is kept (PERF-NOTES: the VM penalises fresh memory).

usage: table.py r4j.tsv torch-default.tsv torch-tuned.tsv openblas.tsv
"""
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


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    r4j, t0, t1, blas = (read(p) for p in sys.argv[1:])
    print("| shape | pass | GEMM M×N×K | resnet4j | PyTorch | OpenBLAS GEMM | resnet4j / PyTorch | resnet4j / OpenBLAS |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    missing = []
    for s in shapes.load():
        for p in shapes.PASSES:
            key = (s["name"], p)
            if key not in r4j or key not in blas or (key not in t0 and key not in t1):
                missing.append(key)
                continue
            torch_best = max(t0.get(key, 0.0), t1.get(key, 0.0))
            m, n, k, _, _ = shapes.gemm(s, p)
            print(f"| {s['name']} | {p} | {m}×{n}×{k} | {r4j[key]:.1f} | {torch_best:.1f} | {blas[key]:.1f} "
                  f"| {r4j[key] / torch_best:.2f} | {r4j[key] / blas[key]:.2f} |")
    if missing:
        sys.exit(f"table.py: no result for {missing}; does conv-shapes.txt match ConvShapes.java?")


if __name__ == "__main__":
    main()
