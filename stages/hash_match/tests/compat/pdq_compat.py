"""PDQ compatibility with the reference: PyPI pdqhash (Meta's C++ PDQ behind a Cython binding).

Generates a seeded corpus of lossless PNGs (sizes from 1 px to thousands, extreme aspect ratios,
greyscale, alpha, flat, noisy, smooth, blocky), hashes each one's pixels with pdqhash, runs
`modstream hash --dihedral` on the same files, and requires the identical hash, quality and the
eight dihedral hashes for every image. PNG is lossless, so both sides see the same pixels: RGB as
stored, greyscale expanded to RGB, alpha dropped (OpenCV's IMREAD_COLOR does the same).

Usage: pdq_compat.py MODSTREAM_BINARY [COUNT]   (run with the venv made by
ops/scripts/python-test-env.sh). Prints 'N passed, N failed'.
"""
import json
import pathlib
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[4] / "tests" / "support"))
from checks import Checks  # noqa: E402

try:
    import numpy as np
    import pdqhash
except ImportError as e:
    sys.exit(f"{e}: run ops/scripts/python-test-env.sh to make the test venv with pdqhash")

binary = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
rng = np.random.default_rng(20261124)


def write_png(path, pixels):
    """Minimal lossless PNG writer: 8-bit greyscale (2-D), RGB or RGBA (3-D)."""
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    rows = pixels.reshape(height, width * channels)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1))
                     + chunk(b"IEND", b""))


def random_size():
    kind = rng.integers(0, 6)
    if kind == 0:
        return int(rng.integers(1, 64)), int(rng.integers(1, 64))  # tiny, below the 64x64 grid
    if kind == 1:
        return int(rng.integers(1, 12)), int(rng.integers(200, 2500))  # extreme aspect
    if kind == 2:
        return int(rng.integers(200, 2500)), int(rng.integers(1, 12))
    if kind == 3:
        return int(rng.integers(600, 1400)), int(rng.integers(600, 1400))  # photo-sized
    return int(rng.integers(64, 600)), int(rng.integers(64, 600))


def random_image(height, width):
    kind = rng.integers(0, 6)
    if kind == 0:  # noise
        return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    if kind == 1:  # flat colour: quality 0
        return np.broadcast_to(rng.integers(0, 256, 3, dtype=np.uint8), (height, width, 3)).copy()
    if kind == 2:  # low-amplitude noise on flat
        base = rng.integers(40, 200)
        return np.clip(base + rng.integers(-3, 4, (height, width, 3)), 0, 255).astype(np.uint8)
    y, x = np.mgrid[0:height, 0:width]
    if kind == 3:  # smooth gradients and waves
        fx, fy = rng.uniform(0.001, 0.2, 2)
        r = 127 + 127 * np.sin(x * fx + y * fy)
        g = 255 * x / max(width - 1, 1)
        b = 255 * y / max(height - 1, 1)
        return np.stack([r, g, b], axis=-1).astype(np.uint8)
    if kind == 4:  # blocks
        cell = int(rng.integers(1, 64))
        colours = rng.integers(0, 256, (height // cell + 1, width // cell + 1, 3), dtype=np.uint8)
        return colours[y // cell, x // cell]
    img = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)  # noise plus stripes
    img[:, :: max(1, width // 8)] = 0
    return img


checks = Checks()
with tempfile.TemporaryDirectory() as tmp:
    files, expected = [], {}
    for i in range(count):
        height, width = random_size()
        rgb = random_image(height, width)
        mode = rng.integers(0, 5)
        path = pathlib.Path(tmp) / f"img{i:04d}.png"
        if mode == 0:  # greyscale file
            grey = rgb[:, :, 0]
            write_png(path, grey)
            rgb = np.stack([grey] * 3, axis=-1)
        elif mode == 1:  # alpha channel, dropped by both sides
            alpha = rng.integers(0, 256, (height, width, 1), dtype=np.uint8)
            write_png(path, np.concatenate([rgb, alpha], axis=-1))
        else:
            write_png(path, rgb)
        bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
        dihedral, _ = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
        to_hex = lambda v: "%064x" % int("".join(str(int(b)) for b in v), 2)  # noqa: E731
        expected[str(path)] = (to_hex(bits), int(quality), [to_hex(v) for v in dihedral])
        files.append(str(path))

    out = subprocess.run([binary, "hash", "--dihedral", *files], capture_output=True, text=True)
    checks.check("modstream hash exits 0", out.returncode == 0, out.stderr)
    results = [json.loads(line) for line in out.stdout.splitlines()]
    checks.check("one result per file", len(results) == len(files), f"{len(results)} of {len(files)}")
    hash_mismatch = quality_mismatch = dihedral_mismatch = 0
    names = ["original", "rotate90", "rotate180", "rotate270", "flipx", "flipy", "flipplus1", "flipminus1"]
    for result in results:
        want_hash, want_quality, want_dihedral = expected[result["file"]]
        if result.get("pdq") != want_hash:
            hash_mismatch += 1
            if hash_mismatch <= 5:
                print(f"hash differs for {result['file']} ({result.get('width')}x{result.get('height')}): "
                      f"{result.get('pdq')} vs pdqhash {want_hash}")
        if result.get("quality") != want_quality:
            quality_mismatch += 1
        got = result.get("pdq_dihedral", {})
        if [got.get(n) for n in names] != want_dihedral:
            dihedral_mismatch += 1
    checks.check(f"identical PDQ hash on {len(results)} images", hash_mismatch == 0, f"{hash_mismatch} differ")
    checks.check(f"identical quality on {len(results)} images", quality_mismatch == 0, f"{quality_mismatch} differ")
    checks.check(f"identical 8 dihedral hashes on {len(results)} images", dihedral_mismatch == 0,
                 f"{dihedral_mismatch} differ")
    print(f"pdq compat: {len(results)} images, {hash_mismatch} hash, {quality_mismatch} quality, "
          f"{dihedral_mismatch} dihedral differences against pdqhash {pdqhash.__version__}")
checks.finish()
