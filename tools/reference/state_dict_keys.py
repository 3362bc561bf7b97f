"""torchvision's state_dict keys and shapes for resnet18 and resnet50, as a text fixture.

Writes resnet4j-vision/src/test/resources/fixtures/models/state_dict_keys.txt:
  line 1: "# generator <path> sha256 <hex of this script>" (the test checks it, so a changed script fails
          the test until the file is regenerated)
  then one line per state_dict entry, in state_dict order:
  "<model> <param|buffer> <key> <dim,dim,...>" ("-" for a 0-d tensor such as num_batches_tracked)
  and at the end "count <name> <parameters>" for the pre-activation and wide nets, from the reference-style
  definitions below (torchvision has none): a pre-activation unit as in KaimingHe/resnet-1k-layers and
  kuangliu/pytorch-cifar (projection on the pre-activated input, conv only), a wide unit as in
  xternalz/WideResNet-pytorch, both ending with BN-ReLU before pooling.

Run: /usr/bin/python3.11 tools/reference/state_dict_keys.py
"""
import os

import torch.nn as nn
import torchvision

import fixtures

OUT = os.path.join(fixtures.ROOT, "resnet4j-vision/src/test/resources/fixtures/models/state_dict_keys.txt")


class PreActUnit(nn.Module):
    """BN-ReLU-conv units (He et al. 2016 Fig. 4e); a projection shortcut sees the pre-activated input."""

    def __init__(self, cin, planes, stride, bottleneck):
        super().__init__()
        cout = planes * 4 if bottleneck else planes
        if bottleneck:
            widths = [(cin, planes, 1, 1), (planes, planes, 3, stride), (planes, cout, 1, 1)]
        else:
            widths = [(cin, planes, 3, stride), (planes, planes, 3, 1)]
        self.bns = nn.ModuleList(nn.BatchNorm2d(i) for i, _, _, _ in widths)
        self.convs = nn.ModuleList(nn.Conv2d(i, o, k, s, k // 2, bias=False) for i, o, k, s in widths)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride, bias=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        out = nn.functional.relu(self.bns[0](x))
        skip = self.shortcut(out) if self.shortcut is not None else x
        out = self.convs[0](out)
        for bn, conv in zip(self.bns[1:], self.convs[1:]):
            out = conv(nn.functional.relu(bn(out)))
        return out + skip


class PreActNet(nn.Module):
    def __init__(self, n, bottleneck, k=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        units, cin = [], 16
        for i, planes in enumerate([16 * k, 32 * k, 64 * k]):
            for j in range(n):
                units.append(PreActUnit(cin, planes, 2 if i > 0 and j == 0 else 1, bottleneck))
                cin = planes * 4 if bottleneck else planes
        self.units = nn.Sequential(*units)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)


def count(model):
    return sum(p.numel() for p in model.parameters())


def main():
    rel = os.path.relpath(os.path.abspath(__file__), fixtures.ROOT)
    lines = [f"# generator {rel} sha256 {fixtures.generator_digest(__file__)}"]
    for name in ("resnet18", "resnet50"):
        model = getattr(torchvision.models, name)(weights=None)
        params = {k for k, _ in model.named_parameters()}
        for key, t in model.state_dict().items():
            kind = "param" if key in params else "buffer"
            shape = ",".join(str(d) for d in t.shape) or "-"
            lines.append(f"{name} {kind} {key} {shape}")
    lines.append(f"count preact-resnet110 {count(PreActNet(18, False))}")
    lines.append(f"count preact-resnet164 {count(PreActNet(18, True))}")
    lines.append(f"count preact-resnet1001 {count(PreActNet(111, True))}")
    lines.append(f"count wrn-16-4 {count(PreActNet(2, False, k=4))}")
    lines.append(f"count wrn-28-10 {count(PreActNet(4, False, k=10))}")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, OUT)
    print(f"wrote {len(lines) - 1} lines to {OUT}")


if __name__ == "__main__":
    main()
