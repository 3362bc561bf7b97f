#!/usr/bin/env python3
"""Convert a PyTorch state_dict (or a torch.save'd checkpoint holding one) to a safetensors file.

Standalone: needs only torch (Debian's python3-torch), not the `safetensors` package. Where that package is
installed, `safetensors.torch.save_file(model.state_dict(), path)` writes an equivalent file.

    /usr/bin/python3.11 tools/torch_to_safetensors.py resnet18.pth resnet18.safetensors
    # or, in Python:
    from torch_to_safetensors import save_file
    save_file(torchvision.models.resnet18(weights=...).state_dict(), "resnet18.safetensors")
"""
import json
import struct
import sys

import torch

DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}


def save_file(state_dict, path, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, t in state_dict.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in DTYPES:
            raise TypeError(f"{name}: unsupported dtype {t.dtype}")
        raw = t.view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().astype(
            t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    obj = torch.load(argv[1], map_location="cpu")
    if isinstance(obj, dict) and "state_dict" in obj:
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        print(f"{argv[1]}: expected a state_dict (a dict of tensors), got {type(obj).__name__}", file=sys.stderr)
        return 2
    save_file(obj, argv[2])
    print(f"wrote {len(obj)} tensors to {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
