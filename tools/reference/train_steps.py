"""Ten SGD steps of a small residual net in PyTorch, for io.resnet4j.train.TrainerParityTest: the initial
weights, the batches (in order), the loss of every step and the final weights and BN statistics. The recipe
exercises everything the trainer composes: momentum with Nesterov, weight decay on conv/linear weights only
(BN and bias excluded), label smoothing 0.1, a multistep schedule dividing by 10 at step 6, and a last batch
of a different size.

Run: /usr/bin/python3.11 tools/reference/train_steps.py
Writes: resnet4j-engine/src/test/resources/fixtures/train/tiny_resnet_sgd.bin
"""
import os

import numpy as np
import torch
import torch.nn as nn

import fixtures

OUT = os.path.join(fixtures.ROOT, "resnet4j-engine/src/test/resources/fixtures/train/tiny_resnet_sgd.bin")
BATCH, LAST_BATCH, STEPS, CLASSES = 8, 6, 10, 10


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(Block(8))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, CLASSES)

    def forward(self, x):
        x = self.layer1(self.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def main():
    torch.manual_seed(2024)
    net = Net()
    # non-trivial BN affine parameters, so that their (undecayed) updates matter
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    n = BATCH * (STEPS - 1) + LAST_BATCH
    images = torch.randn(n, 3, 8, 8)
    labels = torch.randint(0, CLASSES, (n,))
    e = {}
    for k, v in net.state_dict().items():
        e["init." + k] = v.clone()
    e["images"] = images
    e["labels"] = labels.to(torch.int32)

    decay = [p for name, p in net.named_parameters() if p.dim() > 1]
    no_decay = [p for name, p in net.named_parameters() if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}],
                          lr=0.1, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[6], gamma=0.1)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    net.train()
    losses, lrs = [], []
    for s in range(STEPS):
        lo = s * BATCH
        hi = min(lo + BATCH, n)
        lrs.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        loss = criterion(net(images[lo:hi]), labels[lo:hi])
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    e["losses"] = np.array(losses, dtype=np.float64)
    e["lrs"] = np.array(lrs, dtype=np.float64)
    for k, v in net.state_dict().items():
        e["final." + k] = v.clone()
    fixtures.write(OUT, __file__, e)
    print("wrote", OUT, "torch", torch.__version__, "losses", losses)


if __name__ == "__main__":
    main()
