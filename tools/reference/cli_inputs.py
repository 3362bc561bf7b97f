"""Reference inputs for `resnet4j predict`: images and .npy arrays, with the tensors torchvision makes of them.

Writes into resnet4j-cli/src/test/resources/fixtures/cli/:
  rgb.png (37x23 RGB), grey.png (19x26 L), rgba.png (20x20 RGBA), photo.jpg (40x30 RGB, quality 95),
  batch.npy float32 (2,1,5,4), single.npy float32 (3,4,4), double.npy float64 (1,1,2,2)
  inputs.fix: the tensors torchvision's Resize(s) -> CenterCrop(c) -> ToTensor -> Normalize(mean, std)
              makes of each image (PIL decode and resize), and the arrays' values.
Run: /usr/bin/python3.11 tools/reference/cli_inputs.py
"""
import os

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

import fixtures

OUT = os.path.join(fixtures.ROOT, "resnet4j-cli", "src", "test", "resources", "fixtures", "cli")
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def pipeline(resize, crop, mean, std):
    return transforms.Compose([transforms.Resize(resize), transforms.CenterCrop(crop), transforms.ToTensor(),
                               transforms.Normalize(mean, std)])


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(5)
    entries = {}

    # Smooth content plus noise, so resampling errors show.
    yy, xx = np.mgrid[0:23, 0:37]
    rgb = np.stack([(xx * 7) % 256, (yy * 11) % 256, (xx * yy) % 256], axis=-1).astype(np.float64)
    rgb = np.clip(rgb + rng.normal(0, 20, rgb.shape), 0, 255).astype(np.uint8)
    Image.fromarray(rgb, "RGB").save(os.path.join(OUT, "rgb.png"))
    img = Image.open(os.path.join(OUT, "rgb.png")).convert("RGB")
    entries["rgb_imagenet_16_14"] = pipeline(16, 14, IMAGENET_MEAN, IMAGENET_STD)(img)  # downscale
    entries["rgb_up_40_32"] = pipeline(40, 32, IMAGENET_MEAN, IMAGENET_STD)(img)  # upscale
    entries["rgb_as_grey_12_10"] = pipeline(12, 10, [0.5], [0.25])(img.convert("L"))

    grey = rng.integers(0, 256, (26, 19), dtype=np.uint8)
    Image.fromarray(grey, "L").save(os.path.join(OUT, "grey.png"))
    g = Image.open(os.path.join(OUT, "grey.png"))
    entries["grey_fashion_28_28"] = pipeline(28, 28, [0.2860], [0.3530])(g)
    entries["grey_as_rgb_16_14"] = pipeline(16, 14, IMAGENET_MEAN, IMAGENET_STD)(g.convert("RGB"))

    rgba = rng.integers(0, 256, (20, 20, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "rgba.png"))
    entries["rgba_as_rgb_20_20"] = pipeline(20, 20, [0, 0, 0], [1, 1, 1])(
        Image.open(os.path.join(OUT, "rgba.png")).convert("RGB"))

    yy, xx = np.mgrid[0:30, 0:40]
    photo = np.stack([xx * 6, yy * 8, 255 - xx * 6], axis=-1).clip(0, 255).astype(np.uint8)
    Image.fromarray(photo, "RGB").save(os.path.join(OUT, "photo.jpg"), quality=95)
    entries["photo_imagenet_16_16"] = pipeline(16, 16, IMAGENET_MEAN, IMAGENET_STD)(
        Image.open(os.path.join(OUT, "photo.jpg")).convert("RGB"))

    batch = rng.standard_normal((2, 1, 5, 4)).astype(np.float32)
    np.save(os.path.join(OUT, "batch.npy"), batch)
    entries["batch"] = batch
    single = rng.standard_normal((3, 4, 4)).astype(np.float32)
    np.save(os.path.join(OUT, "single.npy"), single)
    entries["single"] = single
    np.save(os.path.join(OUT, "double.npy"), np.zeros((1, 1, 2, 2), dtype=np.float64))

    fixtures.write(os.path.join(OUT, "inputs.fix"), __file__, entries)
    print("wrote", OUT)


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
