"""Regenerates the demo's stand-in images (run from this folder). Nothing here is real abuse
imagery: the sample bank lists these harmless pictures as if they were known content."""
# Photo-like stand-in for "known" imagery in the demo (shapes at many scales, slight blur), and an
# edited copy (brightened, corner redacted) that only a perceptual hash can still recognise.
import random, struct, zlib
W, H = 240, 180
random.seed(2026)
img = [[(110, 120, 130) for _ in range(W)] for _ in range(H)]
for _ in range(45):
    r = random.randint(4, 60); cx = random.randrange(W); cy = random.randrange(H)
    col = (random.randrange(256), random.randrange(256), random.randrange(256))
    for y in range(max(0, cy - r), min(H, cy + r + 1)):
        for x in range(max(0, cx - r), min(W, cx + r + 1)):
            if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                img[y][x] = col
def blur(src):
    out = [[None] * W for _ in range(H)]
    for y in range(H):
        for x in range(W):
            acc = [0, 0, 0]; n = 0
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < H and 0 <= xx < W:
                        p = src[yy][xx]; acc[0] += p[0]; acc[1] += p[1]; acc[2] += p[2]; n += 1
            out[y][x] = tuple(v // n for v in acc)
    return out
img = blur(img)
import random as R
R.seed(1)
edited = [[tuple(max(0, min(255, v + 10 + R.randint(-6, 6))) for v in px) for px in row] for row in img]
def png(path, pixels):
    raw = b''.join(b'\x00' + bytes(v for px in row for v in px) for row in pixels)
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))
png('known-scene.png', img)
png('known-scene-edited.png', edited)
