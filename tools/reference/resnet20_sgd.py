"""Loss-curve parity of training: ten SGD steps of CIFAR resnet20 (option A, tools/reference/models.py) with the
paper's recipe (lr 0.1, momentum 0.9, weight decay 1e-4 on every parameter), batches of 8 images 3x16x16, for
io.resnet4j.train.Resnet20SgdParityTest (resnet4j-vision).

Ten steps of a BN network at batch 8 and lr 0.1 are chaotic: a perturbation of one float32 rounding grows by
10-100x per step after the first few. PyTorch's own float32 run leaves its float64 run by ~1e-5 relative at
step 3 and ~1e-2 at step 10. So the fixture holds both runs from the same float32 initial values: the float64
one is the reference answer, and |float32 - float64| measures the float32 noise that any correct
implementation (PyTorch's or resnet4j's, which sum in other orders) shows at each step.

Initial weights and inputs are closed-form patterns (models.py's pattern(): element i of a tensor is
float32((((offset + i) * 2654435761) mod 2^32 / 2^32 - 0.5) * scale)), so the fixture stays small and Java
rebuilds them bit for bit: every convolution and the fc (weight and bias) are patterned with
scale sqrt(24 / fan_in) and a running offset over the parameters in named_parameters() order; BN parameters and
statistics keep PyTorch's defaults (1, 0, 0, 1); the 80 input images are one patterned tensor (80, 3, 16, 16)
with offset 7 and scale sqrt(12) (unit variance), taken in order, 8 per step; labels (7 i + 3) mod 10.

Entries: pattern.<param> [offset, scale]; input.pattern [offset, scale]; labels (80) int32; lrs (10);
losses.f32, losses.f64 (10) float64; f32.<name> and f64.<name> float32 final state sampled: element
(j * numel) // 256 for j < 256 (all elements when numel <= 256), for every parameter and BN statistic.

Run: /usr/bin/python3.11 tools/reference/resnet20_sgd.py
Writes: resnet4j-vision/src/test/resources/fixtures/train/resnet20_sgd.bin
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn

import fixtures
from models import CifarResNet, pattern

OUT = os.path.join(fixtures.ROOT, "resnet4j-vision/src/test/resources/fixtures/train/resnet20_sgd.bin")
BATCH, STEPS, SIZE, SAMPLES = 8, 10, 16, 256


def initial_model(e):
    model = CifarResNet(3)
    bn_params = {f"{m}.{p}" for m, mod in model.named_modules() if isinstance(mod, nn.BatchNorm2d)
                 for p, _ in mod.named_parameters(recurse=False)}
    offset = 0
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name in bn_params:
                continue
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            scale = math.sqrt(24.0 / fan_in)
            p.copy_(torch.from_numpy(pattern(p.numel(), offset, scale)).reshape(p.shape))
            e["pattern." + name] = np.array([offset, scale], dtype=np.float64)
            offset += p.numel()
    return model


def train(model, images, labels, dtype):
    model = model.to(dtype)
    images = images.to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    criterion = nn.CrossEntropyLoss()
    model.train()
    losses, lrs = [], []
    for s in range(STEPS):
        lrs.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        loss = criterion(model(images[s * BATCH:(s + 1) * BATCH]), labels[s * BATCH:(s + 1) * BATCH])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    state = {}
    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        if name.endswith("num_batches_tracked"):
            continue
        v = t.detach().float().numpy().ravel()
        idx = np.arange(v.size) if v.size <= SAMPLES else (np.arange(SAMPLES, dtype=np.int64) * v.size) // SAMPLES
        state[name] = v[idx]
    return np.array(losses, dtype=np.float64), np.array(lrs, dtype=np.float64), state


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    e = {}
    n = BATCH * STEPS
    x_scale = math.sqrt(12.0)
    images = torch.from_numpy(pattern(n * 3 * SIZE * SIZE, 7, x_scale)).reshape(n, 3, SIZE, SIZE)
    labels = torch.from_numpy((np.arange(n) * 7 + 3) % 10).long()
    model32 = initial_model(e)
    model64 = initial_model({})
    e["input.pattern"] = np.array([7, x_scale], dtype=np.float64)
    e["labels"] = labels.to(torch.int32)
    l32, lrs, s32 = train(model32, images, labels, torch.float32)
    l64, _, s64 = train(model64, images, labels, torch.float64)
    e["lrs"] = lrs
    e["losses.f32"] = l32
    e["losses.f64"] = l64
    for k in s32:
        e["f32." + k] = s32[k]
        e["f64." + k] = s64[k]
    fixtures.write(OUT, __file__, e)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")
    print("losses f64:", " ".join(f"{v:.6f}" for v in l64))
    print("f32 - f64 relative:", " ".join(f"{v:.1e}" for v in np.abs(l32 - l64) / l64))


if __name__ == "__main__":
    main()
