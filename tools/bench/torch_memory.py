"""Peak resident memory of PyTorch CIFAR ResNet training steps: PyTorch's side of BENCHMARKS.md's Memory table
(io.resnet4j.bench.MemoryBench is the Java side).

The network is the CIFAR ResNet of He et al. 2015 sec. 4.2 (depth 6n+2, 16/32/64 channels, option-A shortcuts:
strided identity, zero-padded channels), written as the common reproduction does (akamaster/pytorch_resnet_cifar10)
with torchvision's in-place ReLUs. Each step: forward, cross-entropy, backward, SGD (learning rate 0.01, He et
al.'s warm-up rate for ResNet-110 and -1202; momentum 0.9, weight decay 1e-4), on random 3x32x32 images.
Reported: ru_maxrss of this process (peak resident set, KiB on Linux) and the time of each step.
--checkpoint block runs every residual unit under torch.utils.checkpoint (which, unlike resnet4j's
recomputation, updates batch norm's running statistics a second time in the recomputed forward).

Run: /usr/bin/python3.11 tools/bench/torch_memory.py --depth 110 --batch 128 --steps 3 --threads 2
"""
import argparse
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride, self.pad = stride, cout - cin

    def shortcut(self, x):
        if self.stride == 1 and self.pad == 0:
            return x
        x = x[:, :, ::self.stride, ::self.stride]
        return F.pad(x, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out, inplace=True)


class CifarResNet(nn.Module):
    def __init__(self, depth, checkpoint):
        super().__init__()
        assert (depth - 2) % 6 == 0, "depth must be 6n+2"
        n = (depth - 2) // 6
        self.checkpoint = checkpoint
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for i, width in enumerate((16, 32, 64)):
            for j in range(n):
                blocks.append(BasicBlock(cin, width, 2 if i > 0 and j == 0 else 1))
                cin = width
        self.blocks = nn.ModuleList(blocks)
        self.fc = nn.Linear(64, 10)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)), inplace=True)
        for b in self.blocks:
            x = torch.utils.checkpoint.checkpoint(b, x) if self.checkpoint else b(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--depth", type=int, default=110)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--checkpoint", choices=["none", "block"], default="none")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = CifarResNet(a.depth, a.checkpoint == "block").train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(a.batch, 3, 32, 32)
    y = torch.randint(0, 10, (a.batch,))
    params = sum(t.numel() for t in net.parameters())
    print(f"torch {torch.__version__}, {a.threads} threads: CIFAR ResNet-{a.depth} ({params} parameters), "
          f"batch {a.batch}, checkpoint {a.checkpoint}, {a.steps} steps")
    for step in range(a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        print(f"  step {step}: loss {loss.item():.4f}, {time.perf_counter() - t0:.1f} s", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS (ru_maxrss) {rss / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
