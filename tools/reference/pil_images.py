"""What Pillow decodes from the committed test images that ImageIO reads differently, for the image decoders' tests.

Reads (does not write) these committed images in resnet4j-vision/src/test/resources/fixtures/images/:
  cmyk.jpg          16x8 four-channel JPEG with an Adobe APP14 marker of transform 0 (CMYK)
  cmyk_no_adobe.jpg the same samples without an APP14 marker (PIL takes it as Adobe CMYK too)
  ycck.jpg          the same samples with an APP14 marker of transform 2 (YCCK)
  rgb16.png         2x1 16-bit RGB PNG: samples (511, 767, 65535) and (33023, 0, 256)
The JPEGs were written once with Java's ImageIO JPEG writer from a 4-band byte Raster (which it stores as is,
without an APP14 marker), the marker then inserted after SOI; their stored samples are (0, 0, 200, 255) in the
left 8x8 block and (40, 90, 160, 120) in the right one, flat blocks that JPEG keeps exactly. rgb16.png was written
by ImageIO's PNG writer. ImageIO.read differs from PIL on all four (its first pixels: 0, 0, 229 for both CMYK files,
204, 255, 255 for YCCK, 2, 3, 255 for the PNG), which is why resnet4j decodes them itself (io.resnet4j.data.ImageFiles).

Writes resnet4j-vision/src/test/resources/fixtures/images/pil_images.bin: for each image <stem>,
  <stem>_rgb int32 (H, W, 3): Image.open(path).convert("RGB")
  <stem>_l   int32 (H, W):    Image.open(path).convert("L")
(as Debian bookworm's Pillow 9.4 decodes them; the flat JPEG blocks leave no room for IDCT differences).
Run: /usr/bin/python3.11 tools/reference/pil_images.py
"""
import os

import numpy as np
from PIL import Image

import fixtures

DIR = os.path.join(fixtures.ROOT, "resnet4j-vision", "src", "test", "resources", "fixtures", "images")
IMAGES = ["cmyk.jpg", "cmyk_no_adobe.jpg", "ycck.jpg", "rgb16.png"]


def main():
    entries = {}
    for name in IMAGES:
        stem = os.path.splitext(name)[0]
        with Image.open(os.path.join(DIR, name)) as img:
            entries[stem + "_rgb"] = np.asarray(img.convert("RGB")).astype(np.int32)
            entries[stem + "_l"] = np.asarray(img.convert("L")).astype(np.int32)
    fixtures.write(os.path.join(DIR, "pil_images.bin"), __file__, entries)
    print("wrote", os.path.join(DIR, "pil_images.bin"))


if __name__ == "__main__":
    main()
