"""PyPI pdqhash (Meta's C++ PDQ) on the same files as bench.cc, single-threaded: images/s for
Pillow decode + pdqhash.compute, and pdqhash.compute alone on decoded arrays. Prints JSON."""
import io
import json
import sys
import time

import numpy as np
import pdqhash
from PIL import Image

rounds = int(sys.argv[1])
blobs = [open(path, "rb").read() for path in sys.argv[2:]]


def decode(blob):
    return np.asarray(Image.open(io.BytesIO(blob)).convert("RGB"))


decoded = [decode(b) for b in blobs]
checksum = 0
start = time.perf_counter()
for _ in range(rounds):
    for blob in blobs:
        bits, quality = pdqhash.compute(decode(blob))
        checksum += int(bits[0])
decode_and_hash_s = time.perf_counter() - start
start = time.perf_counter()
for _ in range(rounds):
    for image in decoded:
        bits, quality = pdqhash.compute(image)
        checksum += int(bits[0])
hash_only_s = time.perf_counter() - start
images = rounds * len(blobs)
print(json.dumps({"images": images, "decode_and_hash_images_per_s": images / decode_and_hash_s,
                  "hash_only_images_per_s": images / hash_only_s, "checksum": checksum}))
