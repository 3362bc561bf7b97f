"""The PyTorch twin of resnet4j's Fashion-MNIST recipe, for the time-to-accuracy comparison in RESULTS.md.

CIFAR-style resnet20 (option-A shortcuts, He et al. 2015) with one input channel, SGD with momentum (optionally
Nesterov), weight decay (optionally not on BN and biases), label smoothing, linear warm-up then cosine or
multistep, optional EMA of weights and BN statistics, all stepped per iteration like io.resnet4j.train.Trainer;
augmentation pad 4 + random 28x28 crop + horizontal flip, normalisation mean 0.2860 / std 0.3530, optional
random erasing (--random-erasing P, as resnet4j's). Writes
metrics.jsonl in the run directory with resnet4j's fields (epoch, step, train_loss, train_acc, test_loss,
test_acc, lr, img_per_s, train_time_s, eval_time_s, wall_time_s, best_test_acc, eval_weights).

Needs Debian's python3-torch (/usr/bin/python3.11) and the IDX files (dataset-fashion-mnist installs them in
/usr/share/datasets/fashion-mnist). Example, the recipe of RESULTS.md:

  /usr/bin/python3.11 tools/train_fashion_mnist.py --data /usr/share/datasets/fashion-mnist \\
      --out runs/torch-fmnist --epochs 25 --batch-size 128 --lr 0.1 --nesterov --weight-decay 5e-4 \\
      --no-decay-norm-bias --label-smoothing 0.1 --warmup-iters 200 --schedule cosine --threads 2 --seed 42
"""
import argparse
import gzip
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.2860, 0.3530


def read_idx(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">i", data[:4])
    rank = magic & 0xff
    dims = struct.unpack(">" + "i" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    for suffix in ("", ".gz"):
        images = os.path.join(data_dir, f"{prefix}-images-idx3-ubyte{suffix}")
        labels = os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte{suffix}")
        if os.path.exists(images) and os.path.exists(labels):
            return read_idx(images), read_idx(labels).astype(np.int64)
    raise SystemExit(f"no {prefix}-images-idx3-ubyte[.gz] / {prefix}-labels-idx1-ubyte[.gz] in {data_dir}")


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
    def __init__(self, n, in_channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        cin = 16
        for i, planes in enumerate([16, 32, 64]):
            blocks = []
            for j in range(n):
                blocks.append(BasicBlock(cin, planes, 2 if i > 0 and j == 0 else 1))
                cin = planes
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(64, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        return self.fc(F.adaptive_avg_pool2d(out, 1).flatten(1))


def augment(batch_u8, rng, erasing=0.0):
    """pad 4 (zeros) + random 28x28 crop + horizontal flip with p = 0.5, then normalise, then random erasing
    with probability `erasing`; (B, 28, 28) uint8 in."""
    b = batch_u8.shape[0]
    padded = np.zeros((b, 36, 36), dtype=np.uint8)
    padded[:, 4:32, 4:32] = batch_u8
    out = np.empty((b, 28, 28), dtype=np.uint8)
    ys, xs, flips = rng.integers(0, 9, b), rng.integers(0, 9, b), rng.random(b) < 0.5
    for i in range(b):
        crop = padded[i, ys[i]:ys[i] + 28, xs[i]:xs[i] + 28]
        out[i] = crop[:, ::-1] if flips[i] else crop
    x = normalise(out)
    if erasing > 0:
        for i in range(b):
            random_erase(x[i, 0], rng, erasing)
    return x


def random_erase(img, rng, p, scale=(0.02, 0.33), ratio=(0.3, 3.3)):
    """torchvision's RandomErasing (value 0, after normalisation) on one (H, W) tensor, in place."""
    if rng.random() >= p:
        return
    h_img, w_img = img.shape
    log_lo, log_hi = math.log(ratio[0]), math.log(ratio[1])
    for _ in range(10):
        target = h_img * w_img * rng.uniform(scale[0], scale[1])
        aspect = math.exp(rng.uniform(log_lo, log_hi))
        h, w = int(round(math.sqrt(target * aspect))), int(round(math.sqrt(target / aspect)))
        if 0 < h < h_img and 0 < w < w_img:
            y, x = rng.integers(0, h_img - h + 1), rng.integers(0, w_img - w + 1)
            img[y:y + h, x:x + w] = 0
            return


def normalise(u8):
    return torch.from_numpy(((u8.astype(np.float32) / 255.0 - MEAN) / STD)[:, None, :, :])


def lr_at(step, args, total):
    if step < args.warmup_iters:
        factor = args.warmup_start + (1 - args.warmup_start) * step / args.warmup_iters
    else:
        factor = 1.0
    if args.schedule == "cosine":
        base = args.lr * (1 + math.cos(math.pi * step / total)) / 2
    elif args.schedule == "multistep":
        base = args.lr
        for m in args.milestones:
            if step >= m * (total // args.epochs):
                base *= 0.1
    else:
        base = args.lr
    return base * factor


def evaluate(model, images, labels, criterion, batch):
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for lo in range(0, len(images), batch):
            x = normalise(images[lo:lo + batch])
            y = torch.from_numpy(labels[lo:lo + batch])
            logits = model(x)
            loss_sum += criterion(logits, y).item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
    model.train()
    return loss_sum / len(images), correct / len(images)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--nesterov", action="store_true")
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--no-decay-norm-bias", action="store_true")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--schedule", choices=["cosine", "multistep", "constant"], default="cosine")
    p.add_argument("--milestones", type=int, nargs="*", default=[])
    p.add_argument("--warmup-iters", type=int, default=0)
    p.add_argument("--warmup-start", type=float, default=0.1)
    p.add_argument("--ema", type=float, default=0.0)
    p.add_argument("--random-erasing", type=float, default=0.0, help="probability of random erasing per image")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit-train", type=int, default=0, help="use only the first N training images (smoke tests)")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train_x, train_y = load(args.data, "train")
    test_x, test_y = load(args.data, "test")
    if args.limit_train:
        train_x, train_y = train_x[:args.limit_train], train_y[:args.limit_train]
    os.makedirs(args.out, exist_ok=True)
    metrics_path = os.path.join(args.out, "metrics.jsonl")
    if os.path.exists(metrics_path):
        raise SystemExit(f"{metrics_path} exists; choose another --out")

    model = CifarResNet(3)
    decay, no_decay = [], []
    for name, prm in model.named_parameters():
        (no_decay if args.no_decay_norm_bias and prm.dim() <= 1 else decay).append(prm)
    opt = torch.optim.SGD([{"params": decay, "weight_decay": args.weight_decay},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=args.lr, momentum=args.momentum, nesterov=args.nesterov)
    criterion = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    ema = None
    if args.ema:
        ema = {k: v.detach().clone() for k, v in model.state_dict().items() if v.dtype.is_floating_point}

    n = len(train_x)
    steps_per_epoch = (n + args.batch_size - 1) // args.batch_size
    total = steps_per_epoch * args.epochs
    step, best, start = 0, float("nan"), time.time()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {n} train / {len(test_x)} test images, "
          f"{steps_per_epoch} steps per epoch")
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(n)
        loss_sum, correct, t0 = 0.0, 0, time.time()
        for lo in range(0, n, args.batch_size):
            idx = order[lo:lo + args.batch_size]
            x = augment(train_x[idx], rng, args.random_erasing)
            y = torch.from_numpy(train_y[idx])
            lr = lr_at(step, args, total)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad()
            logits = model(x)
            loss = criterion(logits, y)
            if not torch.isfinite(loss):
                raise SystemExit(f"loss is {loss.item()} at epoch {epoch + 1}, step {step}")
            loss.backward()
            opt.step()
            step += 1
            if ema is not None:
                with torch.no_grad():
                    for k, v in model.state_dict().items():
                        if k in ema:
                            ema[k].mul_(args.ema).add_(v, alpha=1 - args.ema)
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
        train_time = time.time() - t0
        e0 = time.time()
        if ema is not None:
            live = {k: v.detach().clone() for k, v in model.state_dict().items() if k in ema}
            model.load_state_dict(ema, strict=False)
        test_loss, test_acc = evaluate(model, test_x, test_y, criterion, 256)
        if ema is not None:
            model.load_state_dict(live, strict=False)
        eval_time = time.time() - e0
        best = test_acc if math.isnan(best) or test_acc > best else best
        m = {"epoch": epoch + 1, "step": step, "train_loss": loss_sum / n, "train_acc": correct / n,
             "test_loss": test_loss, "test_acc": test_acc, "lr": lr, "img_per_s": n / train_time,
             "train_time_s": train_time, "eval_time_s": eval_time, "wall_time_s": time.time() - start,
             "best_test_acc": best, "eval_weights": "ema" if ema is not None else "model"}
        with open(metrics_path, "a") as f:
            f.write(json.dumps(m) + "\n")
        print(f"epoch {epoch + 1}/{args.epochs}: train {m['train_loss']:.4f} / {100 * m['train_acc']:.2f}%, "
              f"test {test_loss:.4f} / {100 * test_acc:.2f}%, {m['img_per_s']:.0f} img/s, "
              f"wall {m['wall_time_s']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
