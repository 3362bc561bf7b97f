"""Binary fixture writer shared by the reference generators (read by io.resnet4j.testing.Fixture).

Layout, little-endian:
  magic     8 bytes  b"R4JFIX01"
  generator int32 n + n bytes UTF-8: the generator's path relative to the repository root
  digest    int32 n + n bytes ASCII: SHA-256 (hex) of that generator file when it wrote the fixture
  count     int32
  entries   count times:
            int32 n + n bytes UTF-8 name
            int32 dtype (0 = float32, 1 = int32, 2 = float64, 3 = int64)
            int32 rank, rank x int32 dims
            the values, row-major
A test compares the digest with the generator file in the checkout, so a fixture older than its
generator fails with the command that regenerates it.
"""
import hashlib
import os
import struct

import numpy as np

MAGIC = b"R4JFIX01"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DTYPES = {np.dtype(np.float32): 0, np.dtype(np.int32): 1, np.dtype(np.float64): 2, np.dtype(np.int64): 3}


def generator_digest(generator_path):
    with open(generator_path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _bytes(s):
    b = s.encode("utf-8")
    return struct.pack("<i", len(b)) + b


def write(path, generator_path, entries):
    """entries: dict name -> numpy array or torch tensor (insertion order kept)."""
    rel = os.path.relpath(os.path.abspath(generator_path), ROOT)
    out = bytearray(MAGIC)
    out += _bytes(rel)
    out += _bytes(generator_digest(generator_path))
    out += struct.pack("<i", len(entries))
    for name, value in entries.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        a = np.ascontiguousarray(np.asarray(value))
        if a.dtype == np.bool_:
            a = a.astype(np.int32)
        if a.dtype not in DTYPES:
            raise TypeError(f"{name}: unsupported dtype {a.dtype}")
        out += _bytes(name)
        out += struct.pack("<ii", DTYPES[a.dtype], a.ndim)
        out += struct.pack("<" + "i" * a.ndim, *a.shape)
        out += a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, path)
