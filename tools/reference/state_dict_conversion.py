"""A torchvision-style state_dict converted to safetensors, and the network's output, for the conversion test.

The net is a CIFAR ResNet-14 (option B) assembled from torchvision's own BasicBlock and downsample layout
(torchvision.models.resnet._make_layer), so its state_dict has torchvision's keys, including
downsample.0/1 and the int64 num_batches_tracked of every BN. Random weights and BN statistics; eval mode.
The state_dict is converted exactly as a user would (tools/torch_to_safetensors.py, see docs/models.md):

    from torch_to_safetensors import save_file
    save_file(model.state_dict(), "cifar_resnet14.safetensors")

Writes resnet4j-vision/src/test/resources/fixtures/models/cifar_resnet14.safetensors (the state_dict, no
resnet4j metadata) and cifar_resnet14_expected.bin (input, eval logits, num_batches_tracked), read by
io.resnet4j.models.ModelCheckpointTest. Run: /usr/bin/python3.11 tools/reference/state_dict_conversion.py
"""
import os
import sys

import torch
import torch.nn as nn
from torchvision.models.resnet import BasicBlock

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import fixtures  # noqa: E402
from torch_to_safetensors import save_file  # noqa: E402

OUT = os.path.join(fixtures.ROOT, "resnet4j-vision/src/test/resources/fixtures/models")


class CifarResNetB(nn.Module):
    def __init__(self, n, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        cin = 16
        for i, planes in enumerate([16, 32, 64]):
            blocks = []
            for j in range(n):
                stride = 2 if i > 0 and j == 0 else 1
                downsample = None
                if stride != 1 or cin != planes:
                    downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
                blocks.append(BasicBlock(cin, planes, stride, downsample))
                cin = planes
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def main():
    torch.manual_seed(14)
    model = CifarResNetB(2)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape) * 0.1)
                m.running_mean.copy_(torch.randn(m.running_mean.shape) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape) + 0.5)
                m.num_batches_tracked.fill_(1234)
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        logits = model(x)
    os.makedirs(OUT, exist_ok=True)
    save_file(model.state_dict(), os.path.join(OUT, "cifar_resnet14.safetensors"))
    fixtures.write(os.path.join(OUT, "cifar_resnet14_expected.bin"), __file__,
                   {"input": x, "eval.logits": logits, "num_batches_tracked": torch.tensor(1234, dtype=torch.int64)})
    print("wrote", OUT, "keys:", len(model.state_dict()))


if __name__ == "__main__":
    main()
