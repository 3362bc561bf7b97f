#!/usr/bin/python3.11
"""PyTorch side of the end-to-end comparison (tools/bench/e2e.sh): validation data, then img/s per workload.

Workloads are MODEL:MODE:BATCH (MODE train = zero_grad, forward, cross-entropy, backward, SGD momentum 0.9 and
weight decay 1e-4; infer = eval mode under torch.inference_mode(); frozen = torch.jit.optimize_for_inference of the
traced eval model, which folds batch norms into the convolutions and pre-packs their weights). CIFAR nets (resnet20/56/110, option-A
shortcuts, torchvision's names: tools/reference/models.py) take 3x32x32, resnet50 (torchvision) 3x224x224.

Weights and data are a closed-form pattern (a hash of the element index, see pattern()), so that resnet4j
(io.resnet4j.bench.E2EBench) builds the very same network without exchanging files: parameters in sorted name
order, the i-th element of a tensor w[i] = pattern(offset + i) * sqrt(24 / fan_in) (uniform with He's variance),
offset the running element count; BN scale 1, shift 0; fc bias with scale 0.2. Validation batch: 4 images,
x[i] = pattern(i) * 2 * sqrt(3) (unit variance), labels (3 i + 1) mod classes.

--validate FILE writes, per model, the train-mode logits of the validation batch (float32, and in float64 from
the same float32 weights: the float32 error of PyTorch itself sets resnet4j's tolerance) and the losses of 3
SGD steps on it (lr 0.002; float32, and float64 from the same float32 start), as lines
"model <tab> logits|logits64|losses|losses64 <tab> v1 v2 ...". Timing prints TSV lines:
torch <tab> variant <tab> model <tab> mode <tab> batch <tab> img/s <tab> img per CPU-second <tab> ms per step.

usage: /usr/bin/python3.11 tools/bench/torch_e2e.py --threads 2 --variant default --workloads resnet20:train:128,...
       /usr/bin/python3.11 tools/bench/torch_e2e.py --threads 2 --variant tuned --serve   (see serve())
"""
import argparse
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from models import CifarResNet  # noqa: E402

CIFAR_DEPTHS = {"resnet20": 3, "resnet56": 9, "resnet110": 18}
VALIDATION_BATCH = 4
VALIDATION_STEPS = 3
VALIDATION_LR = 0.002


def pattern(numel, offset, scale):
    """float32((u / 2^24 - 0.5) * scale), u the top 24 bits of splitmix64(offset + i) (a random-looking, exactly
    reproducible value; E2EBench.pattern computes the same)."""
    z = np.arange(numel, dtype=np.uint64) + np.uint64(offset) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    u = z >> np.uint64(40)
    return ((u.astype(np.float64) / 2.0 ** 24 - 0.5) * scale).astype(np.float32)


def build(name):
    if name in CIFAR_DEPTHS:
        return CifarResNet(CIFAR_DEPTHS[name]), (3, 32, 32), 10
    if name == "resnet50":
        return torchvision.models.resnet50(), (3, 224, 224), 1000
    raise SystemExit(f"unknown model {name}; known: {', '.join(list(CIFAR_DEPTHS) + ['resnet50'])}")


def set_pattern_weights(model):
    """The pattern of the module docstring (resnet4j's E2EBench sets the same values)."""
    params = dict(model.named_parameters())
    offset = 0
    with torch.no_grad():
        for name in sorted(params):
            p = params[name]
            if p.dim() > 1:
                scale = math.sqrt(24.0 / (p.numel() // p.shape[0]))
            elif name.startswith("fc."):
                scale = 0.2
            else:
                p.fill_(1.0 if name.endswith("weight") else 0.0)  # batch norm
                continue
            p.copy_(torch.from_numpy(pattern(p.numel(), offset, scale)).reshape(p.shape))
            offset += p.numel()
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.zero_()
            elif name.endswith("running_var"):
                b.fill_(1.0)


def validation_batch(shape, classes):
    n = VALIDATION_BATCH * shape[0] * shape[1] * shape[2]
    x = torch.from_numpy(pattern(n, 0, 2 * math.sqrt(3))).reshape(VALIDATION_BATCH, *shape)
    y = torch.tensor([(3 * i + 1) % classes for i in range(VALIDATION_BATCH)])
    return x, y


def validate(models, out):
    with open(out, "w") as f:
        for name in models:
            model, shape, classes = build(name)
            set_pattern_weights(model)
            model.train()
            x, y = validation_batch(shape, classes)
            with torch.no_grad():
                logits = model(x)
            f.write(name + "\tlogits\t" + " ".join(f"{v:.9g}" for v in logits.flatten().tolist()) + "\n")
            with torch.no_grad():
                logits64 = model.double()(x.double())
            model.float()
            f.write(name + "\tlogits64\t" + " ".join(f"{v:.17g}" for v in logits64.flatten().tolist()) + "\n")
            for kind, dtype in (("losses", torch.float32), ("losses64", torch.float64)):
                model, _, _ = build(name)
                set_pattern_weights(model)
                model.train().to(dtype)
                opt = torch.optim.SGD(model.parameters(), lr=VALIDATION_LR, momentum=0.9, weight_decay=1e-4)
                losses = []
                for _ in range(VALIDATION_STEPS):
                    opt.zero_grad(set_to_none=False)
                    loss = nn.functional.cross_entropy(model(x.to(dtype)), y)
                    loss.backward()
                    opt.step()
                    losses.append(loss.item())
                f.write(name + "\t" + kind + "\t" + " ".join(f"{v:.17g}" for v in losses) + "\n")
            print(f"# validation {name}: losses {losses}", file=sys.stderr)


def step_fn(name, mode, batch):
    model, shape, classes = build(name)
    set_pattern_weights(model)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(batch, *shape, generator=g) * 2 - 1
    if mode == "frozen":
        model.eval()
        with torch.no_grad():
            frozen = torch.jit.optimize_for_inference(torch.jit.trace(model, x))

        def step():
            with torch.no_grad():
                frozen(x)
        return step
    if mode == "infer":
        model.eval()

        def step():
            with torch.inference_mode():
                model(x)
        return step
    model.train()
    y = torch.randint(0, classes, (batch,), generator=g)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=False)
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def warm(step, warm_s, warm_steps):
    """Runs the step at least warm_steps times and for at least warm_s seconds."""
    t0, n = time.perf_counter(), 0
    while n < warm_steps or time.perf_counter() - t0 < warm_s:
        step()
        n += 1


def block(step, block_s):
    """Whole steps for at least block_s seconds; returns wall seconds and CPU-seconds of the process per step."""
    w0, c0, k = time.perf_counter(), time.process_time(), 0
    while k == 0 or time.perf_counter() - w0 < block_s:
        step()
        k += 1
    return (time.perf_counter() - w0) / k, (time.process_time() - c0) / k


def timed(step, warm_s, warm_steps, blocks, block_s):
    """Warm-up, then blocks of at least block_s seconds each; returns the median seconds per step and the median
    CPU-seconds of the process per step."""
    warm(step, warm_s, warm_steps)
    walls, cpus = zip(*(block(step, block_s) for _ in range(blocks)))
    return statistics.median(walls), statistics.median(cpus)


def serve(args):
    """--serve: timing on request, for io.resnet4j.bench.PairedBench, which alternates blocks of PyTorch and
    resnet4j so that both see the same phase of this VM. Requests on stdin, one per line; answers on stdout:
      workload MODEL:MODE:BATCH  builds the step and warms it up (--warm-s)  -> "ready"
      block                      one timed block (--block-s)                  -> "WALL_S CPU_S" per step
      quit                       exits
    Errors are answered "error MESSAGE" (the process stays usable)."""
    print(f"# torch {torch.__version__} serving, threads {torch.get_num_threads()}, variant {args.variant}, "
          f"GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '')}", file=sys.stderr)
    step = None
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        try:
            if words == ["quit"]:
                return
            if len(words) == 2 and words[0] == "workload":
                step = None
                m, mode, b = parse_workload(words[1])
                step = step_fn(m, mode, b)
                warm(step, args.warm_s, 3)
                print("ready", flush=True)
            elif words == ["block"] and step is not None:
                wall, cpu = block(step, args.block_s)
                print(f"{wall!r} {cpu!r}", flush=True)
            else:
                print(f"error unknown request or no workload yet: {line.strip()!r}", flush=True)
        except (Exception, SystemExit) as e:  # noqa: BLE001 - reported to the client, which stops with the message
            print(f"error {type(e).__name__}: {e}".replace("\n", " "), flush=True)


def parse_workload(w):
    m, mode, b = w.split(":")
    if mode not in ("train", "infer", "frozen"):
        raise SystemExit(f"mode must be train, infer or frozen: {w}")
    return m, mode, int(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--variant", default="default", help="label of this run (malloc setting)")
    ap.add_argument("--workloads", help="MODEL:MODE:BATCH,...")
    ap.add_argument("--serve", action="store_true", help="time on request (see serve())")
    ap.add_argument("--validate", help="write the validation file for the workloads' models, then exit")
    ap.add_argument("--blocks", type=int, default=5)
    ap.add_argument("--block-s", type=float, default=1.0)
    ap.add_argument("--warm-s", type=float, default=3.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.serve:
        serve(args)
        return
    if not args.workloads:
        raise SystemExit("--workloads is required (or --serve)")
    workloads = [parse_workload(w) for w in args.workloads.split(",")]
    if args.validate:
        validate(list(dict.fromkeys(m for m, _, _ in workloads)), args.validate)
        return
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, variant {args.variant}, "
          f"GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '')}", file=sys.stderr)
    for m, mode, b in workloads:
        step = step_fn(m, mode, b)
        wall, cpu = timed(step, args.warm_s, 3, args.blocks, args.block_s)
        print(f"torch\t{args.variant}\t{m}\t{mode}\t{b}\t{b / wall:.2f}\t{b / cpu:.2f}\t{wall * 1e3:.2f}", flush=True)
        del step


if __name__ == "__main__":
    main()
