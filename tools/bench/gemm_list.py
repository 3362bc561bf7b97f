#!/usr/bin/python3.11
"""Prints the GEMM of every (shape, pass) for sgemm_bench: shape pass M N K transA transB flops."""
import shapes

for s in shapes.load():
    for p in shapes.PASSES:
        m, n, k, ta, tb = shapes.gemm(s, p)
        print(s["name"], p, m, n, k, ta, tb)
