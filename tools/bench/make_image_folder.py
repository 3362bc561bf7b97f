"""Writes a synthetic image-folder dataset of photo-sized JPEGs, for timing the decoding side of the data loader
(io.resnet4j.bench.LoaderBench --folder DIR/train, docs/data.md).

Each image is a random 12x16 colour grid upsampled (bilinear) to 500x375 and saved as a JPEG at quality 90, about
30 KB: the decoder's work depends on the size and the format, not on what the picture shows.
Layout: DIR/train/class0..class9/NNNN.jpg and DIR/test/class0..class9/NNNN.jpg (torchvision's ImageFolder).

Run: /usr/bin/python3.11 tools/bench/make_image_folder.py DIR [--train 1280] [--test 250]   (needs python3-pil, numpy)
Each class gets a tenth of each count (rounded down).
"""
import argparse
import os

import numpy as np
from PIL import Image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--train", type=int, default=1280)
    ap.add_argument("--test", type=int, default=250)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    for split, n in (("train", a.train), ("test", a.test)):
        for c in range(10):
            d = os.path.join(a.dir, split, f"class{c}")
            os.makedirs(d, exist_ok=True)
            for i in range(n // 10):
                grid = rng.integers(0, 255, (12, 16, 3)).astype(np.uint8)
                Image.fromarray(grid).resize((500, 375), Image.BILINEAR).save(os.path.join(d, f"{i:04d}.jpg"), quality=90)
    print(f"wrote {a.train // 10 * 10} train and {a.test // 10 * 10} test images under {a.dir}")


if __name__ == "__main__":
    main()
