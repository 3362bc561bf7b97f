"""Exports seeded ResNets with Debian's torch.onnx for the ONNX import tests, and checks exported files.

  /usr/bin/python3.11 tools/reference/onnx_models.py            # CIFAR ResNet-20 fixtures (committed, ~2.3 MB)
  /usr/bin/python3.11 tools/reference/onnx_models.py --large DIR  # torchvision resnet18/resnet50 + reference I/O in DIR
  /usr/bin/python3.11 tools/reference/onnx_models.py --check FILE...  # onnx.checker.check_model on exported files

Fixtures (resnet4j-onnx/src/test/resources/fixtures/onnx/):
  resnet20.onnx      default export (eval mode: BatchNorm folded into the convs, constant folding on)
  resnet20_bn.onnx   BatchNorm kept (TrainingMode.PRESERVE on an eval-mode model) and constant folding off, so the
                     option-A shortcut's F.pad arrives as ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast
  resnet20_io.bin    input (batch 3) and PyTorch's output for both files, in the fixture format, and the
                     gradients of sum(logits * r) in training mode (for the fine-tuning test)
The CIFAR ResNet-20 is the common reproduction of He et al. 2015, section 4.2: 3x3 stem with 16 channels,
three stages of three basic blocks (16, 32, 64 channels), option-A shortcut
F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4)), global average pool, fc; torchvision's names.
BatchNorm statistics and affine parameters are randomised so that folding them is visible in the outputs.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import fixtures  # noqa: E402

OUT = os.path.join(fixtures.ROOT, "resnet4j-onnx/src/test/resources/fixtures/onnx")
OPSET = 13


class ShortcutA(nn.Module):
    def __init__(self, planes):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = ShortcutA(planes) if stride != 1 or in_planes != planes else None

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + (x if self.downsample is None else self.downsample(x))
        return F.relu(out)


class CifarResNet(nn.Module):
    def __init__(self, n=3, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        in_planes = 16
        for i, planes in enumerate((16, 32, 64)):
            blocks = []
            for j in range(n):
                stride = 2 if i > 0 and j == 0 else 1
                blocks.append(BasicBlock(in_planes, planes, stride))
                in_planes = planes
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def randomise_bn(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = torch.rand(c, generator=gen) + 0.5
            m.bias.data = torch.randn(c, generator=gen) * 0.1
            m.running_mean.data = torch.randn(c, generator=gen) * 0.1
            m.running_var.data = torch.rand(c, generator=gen) + 0.5


def export(model, x, path, **kw):
    torch.onnx.export(model, x, path, opset_version=OPSET, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, **kw)


def cifar():
    torch.manual_seed(20)
    gen = torch.Generator().manual_seed(20)
    model = CifarResNet()
    randomise_bn(model, gen)
    model.eval()
    x = torch.randn(3, 3, 32, 32, generator=gen)
    with torch.no_grad():
        y = model(x)
    os.makedirs(OUT, exist_ok=True)
    export(model, x, os.path.join(OUT, "resnet20.onnx"))
    export(model, x, os.path.join(OUT, "resnet20_bn.onnx"), training=torch.onnx.TrainingMode.PRESERVE,
           do_constant_folding=False)
    # Fine-tuning reference: training mode (batch statistics), loss = sum(logits * r).
    model.train()
    xg = x.clone().requires_grad_(True)
    r = torch.randn(3, 10, generator=gen)
    yt = model(xg)
    (yt * r).sum().backward()
    entries = {"input": x, "output": y, "train_output": yt.detach(), "r": r, "grad.input": xg.grad}
    for key in ("conv1.weight", "bn1.weight", "layer2.0.conv1.weight", "layer3.2.bn2.bias", "fc.weight", "fc.bias"):
        entries["grad." + key] = dict(model.named_parameters())[key].grad
    fixtures.write(os.path.join(OUT, "resnet20_io.bin"), __file__, entries)
    for f in ("resnet20.onnx", "resnet20_bn.onnx"):
        check(os.path.join(OUT, f))
    print("wrote", OUT)


def large(out_dir):
    """torchvision resnet18 / resnet50, seeded, BN randomised, default export; input and output as TensorProto."""
    import onnx
    from onnx import numpy_helper
    import torchvision
    os.makedirs(out_dir, exist_ok=True)
    for name in ("resnet18", "resnet50"):
        torch.manual_seed(0)
        gen = torch.Generator().manual_seed(1)
        model = getattr(torchvision.models, name)()
        randomise_bn(model, gen)
        model.eval()
        x = torch.randn(2, 3, 224, 224, generator=gen)
        with torch.no_grad():
            y = model(x)
        path = os.path.join(out_dir, name + ".onnx")
        export(model, x, path)
        check(path)
        for tag, t in (("input", x), ("output", y)):
            with open(os.path.join(out_dir, f"{name}_{tag}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(t.numpy().astype(np.float32), tag).SerializeToString())
        print("wrote", path, "params", sum(p.numel() for p in model.parameters()))


def check(path):
    import onnx
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"onnx.checker OK: {path} (opset {model.opset_import[0].version}, {len(model.graph.node)} nodes: {', '.join(ops)})")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--large":
        large(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "--check":
        for p in sys.argv[2:]:
            check(p)
    else:
        cifar()
