"""Writes a safetensors file with tools/torch_to_safetensors.py (the conversion users run) for the interop test:
every float dtype resnet4j converts, int64 num_batches_tracked, metadata. Run: /usr/bin/python3.11 tools/reference/safetensors_interop.py"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import fixtures  # noqa: E402  (tools/reference on the path as the script's own directory)
from torch_to_safetensors import save_file  # noqa: E402

OUT = os.path.join(fixtures.ROOT, "resnet4j-engine/src/test/resources/fixtures/io")

torch.manual_seed(7)
sd = {
    "conv1.weight": torch.randn(4, 3, 3, 3),
    "bn1.weight": torch.rand(4) + 0.5,
    "bn1.bias": torch.randn(4),
    "bn1.running_mean": torch.randn(4),
    "bn1.running_var": torch.rand(4) + 0.5,
    "bn1.num_batches_tracked": torch.tensor(17, dtype=torch.int64),
    "fc.weight": torch.randn(2, 4),
    "fc.bias": torch.randn(2),
}
os.makedirs(OUT, exist_ok=True)
save_file(sd, os.path.join(OUT, "small_state.safetensors"), metadata={"model": "tiny", "note": "written by torch_to_safetensors.py"})
mixed = {"f64": torch.randn(3, dtype=torch.float64), "f16": torch.randn(5).half(), "bf16": torch.randn(5).bfloat16(),
         "i32": torch.arange(4, dtype=torch.int32), "u8": torch.arange(3, dtype=torch.uint8)}
save_file(mixed, os.path.join(OUT, "mixed_dtypes.safetensors"))
# The expected values, as float32/int, in the fixture format (which records this script's digest).
expected = {k: v for k, v in sd.items()}
expected.update({"f64": mixed["f64"].float(), "f16": mixed["f16"].float(), "bf16": mixed["bf16"].float(),
                 "i32": mixed["i32"], "u8": mixed["u8"].int()})
fixtures.write(os.path.join(OUT, "safetensors_expected.bin"), __file__, expected)
print("wrote", OUT)
