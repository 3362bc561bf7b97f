#!/usr/bin/python3.11
"""PyTorch reference for the conv table: GFLOP/s (median of timed blocks) of forward, backward-data and
backward-weight (torch.ops.aten.convolution_backward, what autograd calls) for every shape of conv-shapes.txt.
Prints TSV lines: torch <tab> shape <tab> pass <tab> GFLOP/s.

usage: /usr/bin/python3.11 tools/bench/torch_conv.py [--threads 2] [--blocks 7] [--block-ms 250]
"""
import argparse
import statistics
import sys
import time

import torch

import shapes


def timed(fn, flops, blocks, block_ms):
    for _ in range(3):
        fn()
    t0 = time.perf_counter()
    calls = 0
    while time.perf_counter() - t0 < 0.3:
        fn()
        calls += 1
    reps = max(1, round(block_ms / 1000 / ((time.perf_counter() - t0) / calls)))
    rates = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        rates.append(flops * reps / (time.perf_counter() - t0) / 1e9)
    return statistics.median(rates)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--blocks", type=int, default=7)
    ap.add_argument("--block-ms", type=int, default=250)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}", file=sys.stderr)
    with torch.no_grad():
        for s in shapes.load():
            x = torch.randn(s["n"], s["c"], s["h"], s["w"])
            w = torch.randn(s["k"], s["c"], s["r"], s["r"])
            dy = torch.randn(s["n"], s["k"], s["p"], s["q"])
            st, pd = [s["stride"]] * 2, [s["pad"]] * 2
            fns = {
                "fwd": lambda: torch.nn.functional.conv2d(x, w, None, st, pd),
                "bwd-data": lambda: torch.ops.aten.convolution_backward(
                    dy, x, w, None, st, pd, [1, 1], False, [0, 0], 1, [True, False, False]),
                "bwd-weight": lambda: torch.ops.aten.convolution_backward(
                    dy, x, w, None, st, pd, [1, 1], False, [0, 0], 1, [False, True, False]),
            }
            for p in shapes.PASSES:
                g = timed(fns[p], s["flops"], args.blocks, args.block_ms)
                print(f"torch\t{s['name']}\t{p}\t{g:.1f}", flush=True)


if __name__ == "__main__":
    main()
