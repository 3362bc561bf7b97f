"""Reference fixtures for a whole residual block (torchvision's BasicBlock: conv3x3-BN-ReLU-conv3x3-BN, plus the
shortcut, then ReLU), with the identity shortcut and with the option-A shortcut, in training and in eval mode
(read by io.resnet4j.nn.ResidualBlockTest).

Run: /usr/bin/python3.11 tools/reference/block.py
Writes: resnet4j-engine/src/test/resources/fixtures/block/<case>.bin

Parameters and running statistics are random float32 values (not the defaults, so that a swapped gamma/beta
or mean/var shows); PyTorch then runs the block in float64 from those values. Entries:
  x, "state.<state_dict key>"                            the input and the initial state (float32)
  train.y, train.dy, train.dx, "train.grad.<param>"      model.train(): forward, backward with dy
  "train.state.<buffer>"                                 running stats and num_batches_tracked afterwards
  eval.y, eval.dy, eval.dx, "eval.grad.<param>"          the same from the initial state in model.eval()
"""
import copy
import os

import torch
import torch.nn.functional as F
from torchvision.models.resnet import BasicBlock

import fixtures

HERE = os.path.abspath(__file__)
OUT = os.path.join(fixtures.ROOT, "resnet4j-engine", "src", "test", "resources", "fixtures", "block")
GEN = torch.Generator().manual_seed(20240602)


class ShortcutA(torch.nn.Module):
    """Option A of He et al. 2015, as in the common CIFAR reproduction (a parameter-free 'downsample')."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.pad = (planes - inplanes) // 2, planes - inplanes - (planes - inplanes) // 2
        self.stride = stride

    def forward(self, x):
        s = self.stride
        return F.pad(x[:, :, ::s, ::s], (0, 0, 0, 0, self.pad[0], self.pad[1]))


def randomize(block):
    """float32-representable random parameters and running statistics."""
    with torch.no_grad():
        for name, t in block.state_dict().items():
            if name.endswith("num_batches_tracked"):
                t.fill_(3)
            elif name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=GEN) * 1.5 + 0.5)
            elif name.endswith("running_mean"):
                t.copy_(torch.randn(t.shape, generator=GEN) * 0.2)
            elif name.startswith("bn") and name.endswith("weight"):
                t.copy_(torch.rand(t.shape, generator=GEN) + 0.5)
            elif name.startswith("bn") and name.endswith("bias"):
                t.copy_(torch.randn(t.shape, generator=GEN) * 0.3)
            else:
                fan_in = t[0].numel()
                t.copy_(torch.randn(t.shape, generator=GEN) * (2.0 / fan_in) ** 0.5)


def min_abs_pre_activation(block, x):
    """The smallest |value| entering either ReLU: the reference must stay clear of the kink."""
    b = copy.deepcopy(block)
    with torch.no_grad():
        a1 = b.bn1(b.conv1(x))
        a2 = b.bn2(b.conv2(F.relu(a1))) + (x if b.downsample is None else b.downsample(x))
    return min(a1.abs().min().item(), a2.abs().min().item())


def run(block, x, dy):
    xd = x.double().requires_grad_(True)
    y = block(xd)
    y.backward(dy.double())
    return y, xd.grad


def case(name, n, inplanes, planes, hw, stride):
    downsample = ShortcutA(inplanes, planes, stride) if stride != 1 or inplanes != planes else None
    block = BasicBlock(inplanes, planes, stride=stride, downsample=downsample)
    randomize(block)
    block = block.double()
    x = torch.randn(n, inplanes, hw, hw, generator=GEN, dtype=torch.float32)
    for mode in (True, False):
        b = copy.deepcopy(block)
        b.train(mode)
        margin = min_abs_pre_activation(b, x.double())
        if margin < 1e-4:
            raise SystemExit(f"{name}: a pre-activation lies {margin} from the ReLU kink; change the seed")
    out = {"x": x}
    for key, t in block.state_dict().items():
        out["state." + key] = t if key.endswith("num_batches_tracked") else t.float()
    initial = copy.deepcopy(block.state_dict())
    shape = None
    for mode in ("train", "eval"):
        block.load_state_dict(initial)
        block.zero_grad(set_to_none=True)
        block.train(mode == "train")
        if shape is None:
            with torch.no_grad():
                shape = copy.deepcopy(block)(x.double()).shape
        dy = torch.randn(*shape, generator=GEN, dtype=torch.float32)
        y, dx = run(block, x, dy)
        out[mode + ".y"] = y
        out[mode + ".dy"] = dy
        out[mode + ".dx"] = dx
        for pname, p in block.named_parameters():
            out[mode + ".grad." + pname] = p.grad.clone()
        if mode == "train":
            for bname, t in block.state_dict().items():
                if "running" in bname or "num_batches" in bname:
                    out["train.state." + bname] = t.clone()  # state_dict() aliases the buffers, reloaded below
    fixtures.write(os.path.join(OUT, name + ".bin"), HERE, out)


def main():
    case("identity_3x4x7x7", 3, 4, 4, 7, 1)
    case("optionA_2x4x7x7_to8_s2", 2, 4, 8, 7, 2)
    case("optionA_2x3x8x8_to6_s2", 2, 3, 6, 8, 2)


if __name__ == "__main__":
    main()
