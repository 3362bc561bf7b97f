"""Learning rates (and one-cycle momenta) of PyTorch's schedulers, stepped once per iteration, for
io.resnet4j.optim.LrScheduleTest. A run of 10 epochs x 7 iterations; each entry holds the rate the optimiser
sees at iterations 0..69 (read before optimizer.step(), scheduler.step() after it).

Run: /usr/bin/python3.11 tools/reference/schedules.py
Writes: resnet4j-engine/src/test/resources/fixtures/optim/schedules.bin
"""
import os

import numpy as np
import torch
from torch.optim import lr_scheduler as S

import fixtures

EPOCHS, STEPS_PER_EPOCH = 10, 7
TOTAL = EPOCHS * STEPS_PER_EPOCH
OUT = os.path.join(fixtures.ROOT, "resnet4j-engine/src/test/resources/fixtures/optim/schedules.bin")


def run(base_lr, make, momentum=0.9):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr, momentum=momentum)
    sched = make(opt)
    lrs, moms = [], []
    for _ in range(TOTAL):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        p.grad = torch.zeros(1)
        opt.step()
        sched.step()
    return np.array(lrs, dtype=np.float64), np.array(moms, dtype=np.float64)


def main():
    e = {}
    e["steps_per_epoch"] = np.array([STEPS_PER_EPOCH], dtype=np.int64)
    e["total_steps"] = np.array([TOTAL], dtype=np.int64)
    e["constant"], _ = run(0.05, lambda o: S.LambdaLR(o, lambda s: 1.0))
    # milestones in iterations
    e["multistep_iter"], _ = run(0.1, lambda o: S.MultiStepLR(o, milestones=[20, 45], gamma=0.1))
    # milestones at epochs 3 and 6 = iterations 21 and 42
    e["multistep_epoch"], _ = run(0.1, lambda o: S.MultiStepLR(o, milestones=[3 * STEPS_PER_EPOCH, 6 * STEPS_PER_EPOCH], gamma=0.1))
    e["cosine"], _ = run(0.1, lambda o: S.CosineAnnealingLR(o, T_max=TOTAL, eta_min=0.001))
    # linear warm-up over 10 iterations from 0.1 x, chained with cosine to 0
    e["warmup_cosine"], _ = run(0.2, lambda o: S.ChainedScheduler([
        S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=10),
        S.CosineAnnealingLR(o, T_max=TOTAL, eta_min=0.0)]))
    # the paper's ResNet-110 warm-up: 0.1 x for the first 5 iterations, then multistep
    e["constwarmup_multistep"], _ = run(0.1, lambda o: S.ChainedScheduler([
        S.ConstantLR(o, factor=0.1, total_iters=5),
        S.MultiStepLR(o, milestones=[30, 50], gamma=0.1)]))
    e["onecycle_lr"], e["onecycle_momentum"] = run(0.4, lambda o: S.OneCycleLR(o, max_lr=0.4, total_steps=TOTAL))
    e["onecycle2_lr"], _ = run(0.1, lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=TOTAL, pct_start=0.25,
                                                           div_factor=10.0, final_div_factor=100.0, cycle_momentum=False))
    fixtures.write(OUT, __file__, e)
    print("wrote", OUT, "torch", torch.__version__)


if __name__ == "__main__":
    main()
