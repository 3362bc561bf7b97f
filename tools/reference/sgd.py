"""torch.optim.SGD trajectories for io.resnet4j.optim.SgdTest: two parameters (a 3x37 "weight" and a
37-long "bias", odd sizes that exercise vector tails), fixed random gradients for 6 steps, a learning rate
that changes every step, and several configurations. Parameters are in two groups so that the bias can go
without weight decay (the no-decay-for-norm-and-bias option).

Run: /usr/bin/python3.11 tools/reference/sgd.py
Writes: resnet4j-engine/src/test/resources/fixtures/optim/sgd.bin
"""
import os

import numpy as np
import torch

import fixtures

OUT = os.path.join(fixtures.ROOT, "resnet4j-engine/src/test/resources/fixtures/optim/sgd.bin")
STEPS = 6
LRS = [0.1, 0.1, 0.05, 0.2, 0.013, 0.1]
CONFIGS = {
    # name: (momentum, dampening, nesterov, weight_decay, bias_decays)
    "plain": (0.0, 0.0, False, 0.0, True),
    "decay": (0.0, 0.0, False, 1e-2, True),
    "momentum": (0.9, 0.0, False, 5e-4, True),
    "nesterov": (0.9, 0.0, True, 5e-4, True),
    "dampening": (0.8, 0.3, False, 1e-4, True),
    "nodecay_bias": (0.9, 0.0, True, 5e-2, False),
}


def main():
    g = torch.Generator().manual_seed(1234)
    w0 = torch.randn(3, 37, generator=g)
    b0 = torch.randn(37, generator=g)
    gw = torch.randn(STEPS, 3, 37, generator=g)
    gb = torch.randn(STEPS, 37, generator=g)
    e = {"w0": w0, "b0": b0, "gw": gw, "gb": gb, "lrs": np.array(LRS, dtype=np.float64)}
    for name, (m, damp, nest, wd, bias_decays) in CONFIGS.items():
        w = torch.nn.Parameter(w0.clone())
        b = torch.nn.Parameter(b0.clone())
        opt = torch.optim.SGD([{"params": [w]}, {"params": [b], "weight_decay": wd if bias_decays else 0.0}],
                              lr=LRS[0], momentum=m, dampening=damp, nesterov=nest, weight_decay=wd)
        ws, bs = [], []
        for s in range(STEPS):
            for group in opt.param_groups:
                group["lr"] = LRS[s]
            w.grad = gw[s].clone()
            b.grad = gb[s].clone()
            opt.step()
            ws.append(w.detach().clone())
            bs.append(b.detach().clone())
        e[name + ".w"] = torch.stack(ws)
        e[name + ".b"] = torch.stack(bs)
        if m != 0:
            e[name + ".buf_w"] = opt.state[w]["momentum_buffer"]
            e[name + ".buf_b"] = opt.state[b]["momentum_buffer"]
    fixtures.write(OUT, __file__, e)
    print("wrote", OUT, "torch", torch.__version__)


if __name__ == "__main__":
    main()
