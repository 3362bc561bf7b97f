"""Whole-network parity fixtures: CIFAR resnet20 (option A, 2x3x32x32) and torchvision resnet18 (1000 classes,
2x3x48x48: every stage keeps at least 2x2 positions, layer4 2x2 as at 64x64, at 56% of the work, so that the
test stays short with the scalar reference kernels); and two small pre-activation nets, preact-resnet11
(bottleneck, n = 1) and wrn-10-2 (n = 1, k = 2) at 2x3x16x16, whose projections take the pre-activated input
as in the reference code (KaimingHe/resnet-1k-layers, szagoruyko/wide-residual-networks).

Writes resnet4j-vision/src/test/resources/fixtures/models/{resnet20,resnet18}.bin, read by
io.resnet4j.models.WholeNetworkParityTest. Run: /usr/bin/python3.11 tools/reference/models.py

For each net, seeded: random weights, random BN scales, shifts AND running statistics, a random input and
labels. The reference runs in float64 from those float32 values (so the fixture holds the exact answer for
the float32 weights; the Java side computes in float32):
  1. eval mode: logits with the running statistics;
  2. train mode: logits, mean cross-entropy loss, backward; every parameter gradient, the input gradient and
     the running statistics after the step (torch's momentum update, unbiased variance).

Entries:
  input (N, C, H, W) float32, labels (N) int64
  weight.<name> float32                  a stored parameter value (BN parameters, stem, layer1, ...)
  pattern.<name> float64 [offset, scale] a parameter set by the closed-form pattern below instead of stored
  buffer.<name> float32                  running_mean / running_var before the step
  eval.logits, train.logits (N, K) float64, train.loss () float64
  grad.<name> float32                    a full gradient (tensors of at most FULL_LIMIT elements)
  gradsample.<name> float32 (S)          g[(j * numel) // S] for j < S, for larger tensors, with
  gradstats.<name> float64 [maxabs, dot, absdot]: max |g|, sum g[i] * v[i] and sum |g[i] * v[i]| over the
                                         whole tensor, v = pattern(i, offset 0, scale 1)
  grad.input float32, after.<name> float32 running statistics after the train step

The pattern (resnet18 only; its 11.7 M float32 weights would be 46 MB): for the i-th element (row-major) of a
tensor, w[i] = float32((((offset + i) * 2654435761) mod 2^32 / 2^32 - 0.5) * scale), computed in float64.
Every step is exact or one IEEE rounding, so Java reproduces it bit for bit. scale = sqrt(24 / fan_in) gives
He's standard deviation sqrt(2 / fan_in); offset is the running element count over the patterned tensors.
resnet18 stores conv1, layer1 and every BN; layer2..layer4 convolutions and fc use the pattern. The two
pre-activation nets store their BN tensors and pattern every convolution and fc, and sample gradients of more
than 4096 elements.
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import fixtures

OUT = os.path.join(fixtures.ROOT, "resnet4j-vision/src/test/resources/fixtures/models")
FULL_LIMIT = 40000
SAMPLES = 2048


# ---- CIFAR ResNet with option-A shortcuts, as in the common reproduction (akamaster/pytorch_resnet_cifar10),
# ---- with torchvision's module names (fc, not linear).
class ShortcutA(nn.Module):
    def __init__(self, planes_in, planes_out):
        super().__init__()
        self.lo = (planes_out - planes_in) // 2
        self.hi = planes_out - planes_in - self.lo

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.lo, self.hi))


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = ShortcutA(cin, planes) if stride != 1 or cin != planes else None

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + identity)


class CifarResNet(nn.Module):
    def __init__(self, n, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        cin = 16
        for i, planes in enumerate([16, 32, 64]):
            blocks = []
            for j in range(n):
                blocks.append(BasicBlock(cin, planes, 2 if i > 0 and j == 0 else 1))
                cin = planes
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.fc(out)


# ---- Pre-activation units (He et al. 2016 Fig. 4e) with resnet4j's names for them.
class PreActUnit(nn.Module):
    def __init__(self, cin, planes, stride, bottleneck):
        super().__init__()
        self.bottleneck = bottleneck
        cout = planes * 4 if bottleneck else planes
        convs = [(cin, planes, 1, 1), (planes, planes, 3, stride), (planes, cout, 1, 1)] if bottleneck \
            else [(cin, planes, 3, stride), (planes, planes, 3, 1)]
        for k, (i, o, size, st) in enumerate(convs, 1):
            setattr(self, f"bn{k}", nn.BatchNorm2d(i))
            setattr(self, f"conv{k}", nn.Conv2d(i, o, size, st, size // 2, bias=False))
        self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False)) \
            if stride != 1 or cin != cout else None

    def forward(self, x):
        out = F.relu(self.bn1(x))
        skip = x if self.downsample is None else self.downsample(out)  # the projection sees the pre-activation
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        if self.bottleneck:
            out = self.conv3(F.relu(self.bn3(out)))
        return out + skip


class PreActNet(nn.Module):
    def __init__(self, n, bottleneck, k=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        cin = 16
        for i, planes in enumerate([16 * k, 32 * k, 64 * k]):
            units = []
            for j in range(n):
                units.append(PreActUnit(cin, planes, 2 if i > 0 and j == 0 else 1, bottleneck))
                cin = planes * 4 if bottleneck else planes
            setattr(self, f"layer{i + 1}", nn.Sequential(*units))
        self.bn_final = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        out = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        out = F.relu(self.bn_final(out))
        return self.fc(F.adaptive_avg_pool2d(out, 1).flatten(1))


def pattern(numel, offset, scale):
    i = np.arange(numel, dtype=np.uint64) + np.uint64(offset)
    u = (i * np.uint64(2654435761)) % np.uint64(2 ** 32)
    return ((u.astype(np.float64) / 2.0 ** 32 - 0.5) * scale).astype(np.float32)


def randomize(model, gen, patterned):
    """Random float32 parameters and BN statistics; names in `patterned` get the closed-form pattern."""
    entries, offset = {}, 0
    owner = {f"{m}.{p}" if m else p: mod for m, mod in model.named_modules() for p, _ in mod.named_parameters(recurse=False)}
    with torch.no_grad():
        for name, p in model.named_parameters():
            if patterned(name):
                fan_in = p[0].numel() if p.dim() > 1 else p.numel()
                scale = math.sqrt(24.0 / fan_in)
                p.copy_(torch.from_numpy(pattern(p.numel(), offset, scale)).reshape(p.shape))
                entries["pattern." + name] = np.array([offset, scale], dtype=np.float64)
                offset += p.numel()
                continue
            if isinstance(owner[name], nn.BatchNorm2d):
                if name.endswith(".weight"):
                    p.copy_(torch.rand(p.shape, generator=gen) + 0.5)
                else:
                    p.copy_(torch.randn(p.shape, generator=gen) * 0.1)
            elif p.dim() > 1:
                p.copy_(torch.randn(p.shape, generator=gen) * math.sqrt(2.0 / p[0].numel()))
            else:
                p.copy_((torch.rand(p.shape, generator=gen) - 0.5) * 0.2)
            entries["weight." + name] = p.detach().float().clone()
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=gen) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=gen) + 0.5)
            else:
                continue
            entries["buffer." + name] = b.detach().float().clone()
    return entries


def gradient_entries(model, full_limit):
    entries = {}
    for name, p in model.named_parameters():
        g = p.grad.detach().double().numpy().ravel()
        if g.size <= full_limit:
            entries["grad." + name] = p.grad.detach().float().clone()
            continue
        idx = (np.arange(SAMPLES, dtype=np.int64) * g.size) // SAMPLES
        v = pattern(g.size, 0, 1.0).astype(np.float64)
        entries["gradsample." + name] = g[idx].astype(np.float32)
        entries["gradstats." + name] = np.array([np.abs(g).max(), np.dot(g, v), np.abs(g * v).sum()])
    return entries


def run(name, model, x, labels, entries, full_limit=FULL_LIMIT):
    model = model.double()
    model.eval()
    with torch.no_grad():
        entries["eval.logits"] = model(x.double()).detach()
    model.train()
    xd = x.double().requires_grad_(True)
    logits = model(xd)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    entries["train.logits"] = logits.detach()
    entries["train.loss"] = loss.detach()
    entries.update(gradient_entries(model, full_limit))
    entries["grad.input"] = xd.grad.detach().float()
    for bname, b in model.named_buffers():
        if bname.endswith("running_mean") or bname.endswith("running_var"):
            entries["after." + bname] = b.detach().float()
    path = os.path.join(OUT, name + ".bin")
    fixtures.write(path, __file__, entries)
    print(f"{name}: loss {loss.item():.6f}, wrote {os.path.getsize(path)} bytes to {path}")


def main():
    torch.manual_seed(0)

    gen = torch.Generator().manual_seed(20)
    model = CifarResNet(3)
    entries = randomize(model, gen, lambda n: False)
    x = torch.randn(2, 3, 32, 32, generator=gen)
    labels = torch.randint(0, 10, (2,), generator=gen)
    run("resnet20", model, x, labels, {"input": x, "labels": labels, **entries})

    gen = torch.Generator().manual_seed(18)
    model = torchvision.models.resnet18(weights=None)
    bns = {f"{m}.{p}" for m, mod in model.named_modules() if isinstance(mod, nn.BatchNorm2d)
           for p, _ in mod.named_parameters(recurse=False)}
    patterned = lambda n: n.startswith(("layer2", "layer3", "layer4", "fc")) and n not in bns
    entries = randomize(model, gen, patterned)
    x = torch.randn(2, 3, 48, 48, generator=gen)
    labels = torch.randint(0, 1000, (2,), generator=gen)
    run("resnet18", model, x, labels, {"input": x, "labels": labels, **entries})

    # Small fixtures: BN tensors stored, convolutions and fc patterned, gradients above 4096 elements sampled.
    for name, model, seed in (("preact-resnet11", PreActNet(1, True), 11), ("wrn-10-2", PreActNet(1, False, k=2), 10)):
        gen = torch.Generator().manual_seed(seed)
        bns = {f"{m}.{p}" for m, mod in model.named_modules() if isinstance(mod, nn.BatchNorm2d)
               for p, _ in mod.named_parameters(recurse=False)}
        entries = randomize(model, gen, lambda n: n not in bns)
        x = torch.randn(2, 3, 16, 16, generator=gen)
        labels = torch.randint(0, 10, (2,), generator=gen)
        run(name, model, x, labels, {"input": x, "labels": labels, **entries}, full_limit=4096)


if __name__ == "__main__":
    main()
