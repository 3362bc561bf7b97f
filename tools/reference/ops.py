"""Reference fixtures for every engine op, forward and backward (read by the tests in io.resnet4j.nn and
io.resnet4j.kernels).

Run: /usr/bin/python3.11 tools/reference/ops.py
Writes: resnet4j-engine/src/test/resources/fixtures/ops/<case>.bin

Inputs and parameters are drawn in float32 (stored as float32, the exact values the Java side uses); the
reference is then computed by PyTorch in float64 from those values and outputs and gradients are stored as
float64. The tolerances in the Java tests therefore measure resnet4j's float32 error alone, not PyTorch's.
Backward uses a random upstream gradient "dy" (stored), never ones, so that a gradient summed over the
wrong axis cannot pass. Entry names: x, weight, bias, y, dy, dx, dweight, dbias; integer hyper-parameters are
rank-0 int32 entries.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

import fixtures

HERE = os.path.abspath(__file__)
OUT = os.path.join(fixtures.ROOT, "resnet4j-engine", "src", "test", "resources", "fixtures", "ops")
GEN = torch.Generator().manual_seed(20240601)


def randn(*shape, scale=1.0, shift=0.0):
    """float32 normal values (the fixture's inputs), returned as a float32 tensor."""
    return (torch.randn(*shape, generator=GEN, dtype=torch.float32) * scale + shift).float()


def uniform(*shape, lo, hi):
    return (torch.rand(*shape, generator=GEN, dtype=torch.float32) * (hi - lo) + lo).float()


def i32(v):
    return np.array(v, dtype=np.int32)


def f64(t):
    return t.detach().double()


def leaf(t):
    """The float64 twin of a float32 input, requiring grad."""
    return t.detach().double().requires_grad_(True)


def write(name, entries):
    fixtures.write(os.path.join(OUT, name + ".bin"), HERE, entries)


def conv2d(name, n, c, h, w, k, kernel, stride, padding, bias):
    x = randn(n, c, h, w)
    weight = randn(k, c, kernel, kernel, scale=(2.0 / (c * kernel * kernel)) ** 0.5)
    b = randn(k, scale=0.5) if bias else None
    xd, wd = leaf(x), leaf(weight)
    bd = leaf(b) if bias else None
    y = F.conv2d(xd, wd, bd, stride=stride, padding=padding)
    dy = randn(*y.shape)
    y.backward(f64(dy))
    e = {"stride": i32(stride), "padding": i32(padding), "x": x, "weight": weight}
    if bias:
        e["bias"] = b
    e.update({"y": y, "dy": dy, "dx": xd.grad, "dweight": wd.grad})
    if bias:
        e["dbias"] = bd.grad
    write("conv2d_" + name, e)


def batchnorm_train(name, n, c, h, w, shift=0.0, scale=1.0):
    x = randn(n, c, h, w, scale=scale, shift=shift)
    weight = uniform(c, lo=0.5, hi=1.5)
    bias = randn(c, scale=0.3)
    running_mean = randn(c, scale=0.2)
    running_var = uniform(c, lo=0.5, hi=2.0)
    xd, wd, bd = leaf(x), leaf(weight), leaf(bias)
    rm, rv = f64(running_mean).clone(), f64(running_var).clone()
    y = F.batch_norm(xd, rm, rv, wd, bd, training=True, momentum=0.1, eps=1e-5)
    dy = randn(*y.shape)
    y.backward(f64(dy))
    write("batchnorm_train_" + name, {
        "x": x, "weight": weight, "bias": bias, "running_mean": running_mean, "running_var": running_var,
        "y": y, "running_mean_after": rm, "running_var_after": rv,
        "dy": dy, "dx": xd.grad, "dweight": wd.grad, "dbias": bd.grad})


def batchnorm_eval(name, n, c, h, w):
    x = randn(n, c, h, w, scale=1.5, shift=0.3)
    weight = uniform(c, lo=0.5, hi=1.5)
    bias = randn(c, scale=0.3)
    running_mean = randn(c, scale=0.3)
    running_var = uniform(c, lo=0.5, hi=2.5)
    xd, wd, bd = leaf(x), leaf(weight), leaf(bias)
    y = F.batch_norm(xd, f64(running_mean), f64(running_var), wd, bd, training=False, momentum=0.1, eps=1e-5)
    dy = randn(*y.shape)
    y.backward(f64(dy))
    write("batchnorm_eval_" + name, {
        "x": x, "weight": weight, "bias": bias, "running_mean": running_mean, "running_var": running_var,
        "y": y, "dy": dy, "dx": xd.grad, "dweight": wd.grad, "dbias": bd.grad})


def relu(name, shape):
    x = randn(*shape)
    x.view(-1)[::7] = 0.0  # exact zeros: relu'(0) is 0 in PyTorch
    xd = leaf(x)
    y = F.relu(xd)
    dy = randn(*y.shape)
    y.backward(f64(dy))
    write("relu_" + name, {"x": x, "y": y, "dy": dy, "dx": xd.grad})


def maxpool(name, x, kernel, stride, padding):
    xd = leaf(x)
    y = F.max_pool2d(xd, kernel, stride, padding)
    dy = randn(*y.shape)
    y.backward(f64(dy))
    write("maxpool_" + name, {"kernel": i32(kernel), "stride": i32(stride), "padding": i32(padding),
                              "x": x, "y": y, "dy": dy, "dx": xd.grad})


def avgpool(name, shape, kernel, stride, padding, count_include_pad):
    x = randn(*shape)
    xd = leaf(x)
    y = F.avg_pool2d(xd, kernel, stride, padding, count_include_pad=count_include_pad)
    dy = randn(*y.shape)
    y.backward(f64(dy))
    write("avgpool_" + name, {"kernel": i32(kernel), "stride": i32(stride), "padding": i32(padding),
                              "count_include_pad": i32(int(count_include_pad)),
                              "x": x, "y": y, "dy": dy, "dx": xd.grad})


def global_avgpool(name, shape):
    x = randn(*shape, shift=0.5)
    xd = leaf(x)
    y = torch.nn.AdaptiveAvgPool2d(1)(xd)
    dy = randn(*y.shape)
    y.backward(f64(dy))
    write("globalavgpool_" + name, {"x": x, "y": y, "dy": dy, "dx": xd.grad})


def flatten(name, shape):
    x = randn(*shape)
    xd = leaf(x)
    y = torch.flatten(xd, 1)
    dy = randn(*y.shape)
    y.backward(f64(dy))
    write("flatten_" + name, {"x": x, "y": y, "dy": dy, "dx": xd.grad})


def linear(name, n, fin, fout):
    x = randn(n, fin)
    bound = 1.0 / fin ** 0.5
    weight = uniform(fout, fin, lo=-bound, hi=bound)
    bias = uniform(fout, lo=-bound, hi=bound)
    xd, wd, bd = leaf(x), leaf(weight), leaf(bias)
    y = F.linear(xd, wd, bd)
    dy = randn(*y.shape)
    y.backward(f64(dy))
    write("linear_" + name, {"x": x, "weight": weight, "bias": bias, "y": y, "dy": dy,
                             "dx": xd.grad, "dweight": wd.grad, "dbias": bd.grad})


def add(name, shape):
    a, b = randn(*shape), randn(*shape)
    ad, bd = leaf(a), leaf(b)
    y = ad + bd
    dy = randn(*y.shape)
    y.backward(f64(dy))
    write("add_" + name, {"a": a, "b": b, "y": y, "dy": dy, "da": ad.grad, "db": bd.grad})


def cross_entropy(name, n, k, smoothing, scale=1.0):
    logits = randn(n, k, scale=scale)
    labels = torch.randint(0, k, (n,), generator=GEN, dtype=torch.int64)
    ld = leaf(logits)
    loss = F.cross_entropy(ld, labels, reduction="mean", label_smoothing=smoothing)
    # The loss is the root of the graph: resnet4j's CrossEntropyLoss.backward() is d(mean loss)/d(logits),
    # i.e. the upstream gradient is the scalar 1 here by definition.
    loss.backward()
    write("crossentropy_" + name, {"smoothing": np.array(smoothing, dtype=np.float64), "logits": logits,
                                   "labels": labels.int(), "loss": loss, "dlogits": ld.grad})


def shortcut_a(name, n, c, h, w, k, stride):
    x = randn(n, c, h, w)
    xd = leaf(x)
    y = F.pad(xd[:, :, ::stride, ::stride], (0, 0, 0, 0, (k - c) // 2, k - c - (k - c) // 2))
    dy = randn(*y.shape)
    y.backward(f64(dy))
    write("shortcuta_" + name, {"planes": i32(k), "stride": i32(stride), "x": x, "y": y, "dy": dy, "dx": xd.grad})


def main():
    conv2d("1x1_s1_p0", 2, 5, 7, 7, 6, 1, 1, 0, bias=False)
    conv2d("1x1_s2_p0_bias", 3, 4, 9, 8, 8, 1, 2, 0, bias=True)
    conv2d("3x3_s1_p1", 2, 3, 7, 5, 5, 3, 1, 1, bias=False)
    conv2d("3x3_s1_p1_bias", 1, 9, 6, 6, 4, 3, 1, 1, bias=True)
    conv2d("3x3_s2_p1", 2, 4, 9, 8, 6, 3, 2, 1, bias=False)
    conv2d("3x3_s2_p0_bias", 2, 3, 8, 7, 5, 3, 2, 0, bias=True)
    conv2d("3x3_s1_p0", 3, 2, 5, 5, 3, 3, 1, 0, bias=False)
    conv2d("7x7_s2_p3", 2, 3, 13, 11, 4, 7, 2, 3, bias=False)
    conv2d("7x7_s1_p3_bias", 1, 2, 9, 9, 3, 7, 1, 3, bias=True)

    batchnorm_train("4x3x5x7", 4, 3, 5, 7)
    batchnorm_train("2x5x3x3_shifted", 2, 5, 3, 3, shift=3.0, scale=2.0)
    batchnorm_train("1x2x4x4", 1, 2, 4, 4)
    batchnorm_train("7x3x1x1", 7, 3, 1, 1)
    batchnorm_eval("2x3x5x5", 2, 3, 5, 5)
    batchnorm_eval("3x4x3x7", 3, 4, 3, 7)

    relu("2x3x5x7", (2, 3, 5, 7))
    relu("3x17", (3, 17))

    maxpool("3x3_s2_p1", randn(2, 3, 9, 9), 3, 2, 1)
    maxpool("3x3_s2_p1_even", randn(1, 2, 8, 7), 3, 2, 1)
    maxpool("3x3_s2_p1_negative", randn(2, 2, 7, 7, shift=-5.0), 3, 2, 1)
    maxpool("2x2_s2_p0_odd", randn(2, 2, 7, 7), 2, 2, 0)
    maxpool("3x3_s1_p1", randn(2, 2, 5, 6), 3, 1, 1)
    # Ties: values from {-1, 0, 1}, so most windows hold several maxima; PyTorch takes the first in scan order.
    ties = torch.randint(-1, 2, (2, 3, 7, 7), generator=GEN).float()
    maxpool("3x3_s2_p1_ties", ties, 3, 2, 1)
    maxpool("2x2_s1_p0_ties", torch.randint(0, 2, (1, 2, 5, 5), generator=GEN).float(), 2, 1, 0)

    avgpool("3x3_s2_p1", (2, 3, 7, 7), 3, 2, 1, True)
    avgpool("3x3_s2_p1_excludepad", (2, 2, 8, 7), 3, 2, 1, False)
    avgpool("2x2_s2_p0_odd", (2, 2, 7, 5), 2, 2, 0, True)

    global_avgpool("2x3x5x7", (2, 3, 5, 7))
    global_avgpool("3x4x1x1", (3, 4, 1, 1))
    global_avgpool("1x9x8x8", (1, 9, 8, 8))

    flatten("2x3x4x5", (2, 3, 4, 5))
    flatten("3x7x1x1", (3, 7, 1, 1))

    linear("3x10x7", 3, 10, 7)
    linear("1x5x2", 1, 5, 2)
    linear("4x17x9", 4, 17, 9)

    add("2x3x5x5", (2, 3, 5, 5))
    add("1x7x3x3", (1, 7, 3, 3))

    cross_entropy("4x10", 4, 10, 0.0)
    cross_entropy("5x7_smooth0.1", 5, 7, 0.1)
    cross_entropy("3x3_smooth0.2_large", 3, 3, 0.2, scale=40.0)
    cross_entropy("6x100_large", 6, 100, 0.0, scale=30.0)

    shortcut_a("2x4x8x8_to8_s2", 2, 4, 8, 8, 8, 2)
    shortcut_a("2x4x7x7_to8_s2", 2, 4, 7, 7, 8, 2)
    shortcut_a("1x3x5x6_to8_s2", 1, 3, 5, 6, 8, 2)
    shortcut_a("3x2x5x5_to5_s1", 3, 2, 5, 5, 5, 1)

    # 3x3 stride-1 convolutions wide enough for resnet4j's Winograd path (16+ channels): a row of 8 tiles, and
    # 7x7 outputs with two tile rows per vector (drawn last, so the fixtures above keep their values)
    conv2d("3x3_s1_p1_c16", 1, 16, 16, 16, 20, 3, 1, 1, bias=False)
    conv2d("3x3_s1_p1_c24_7x7", 2, 24, 7, 7, 16, 3, 1, 1, bias=True)


if __name__ == "__main__":
    main()
