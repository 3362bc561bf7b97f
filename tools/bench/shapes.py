"""Reads conv-shapes.txt: the convolution shapes shared by the PyTorch and OpenBLAS references."""
import os

PASSES = ("fwd", "bwd-data", "bwd-weight")


def load():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv-shapes.txt")
    shapes = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, *dims = line.split()
            n, c, h, w, k, r, stride, pad = map(int, dims)
            p = (h + 2 * pad - r) // stride + 1
            q = (w + 2 * pad - r) // stride + 1
            shapes.append(dict(name=name, n=n, c=c, h=h, w=w, k=k, r=r, stride=stride, pad=pad, p=p, q=q,
                               flops=2.0 * n * k * p * q * c * r * r))
    return shapes


def gemm(s, pass_):
    """(M, N, K, transA, transB) of the GEMM a pass amounts to in im2col form (row-major C = op(A) op(B))."""
    crs, npq = s["c"] * s["r"] * s["r"], s["n"] * s["p"] * s["q"]
    if pass_ == "fwd":
        return s["k"], npq, crs, 0, 0        # y (k, npq) = w (k, crs) . col (crs, npq)
    if pass_ == "bwd-data":
        return crs, npq, s["k"], 1, 0        # dcol (crs, npq) = w^T . dy (k, npq)
    return s["k"], crs, npq, 0, 1            # dw (k, crs) = dy (k, npq) . col^T
