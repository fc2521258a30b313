#!/usr/bin/env python3
"""Draws assets/icon.png (512x512 RGBA): three stacked planes, the middle one sharp and the outer
ones noisy, on a dark rounded square. Re-run with /usr/bin/python3 after changing the design;
electron-builder converts the PNG to .ico/.icns at packaging time."""
import sys
import zlib
import struct
import numpy as np

S = 512
rng = np.random.default_rng(7)
y, x = np.mgrid[0:S, 0:S].astype(np.float64)
img = np.zeros((S, S, 4))

def rounded_rect(x0, y0, x1, y1, r):
    cx = np.clip(x, x0 + r, x1 - r)
    cy = np.clip(y, y0 + r, y1 - r)
    d = np.hypot(x - cx, y - cy)
    return np.clip(r - d + 0.5, 0, 1)  # anti-aliased edge

def over(rgb, alpha):
    """Paints rgb (a colour, or an image of colours) over the icon with coverage alpha."""
    rgb = np.broadcast_to(np.asarray(rgb, dtype=np.float64), (S, S, 3))
    a = alpha[..., None]
    img[..., :3] = img[..., :3] * (1 - a) + rgb * a
    img[..., 3] = img[..., 3] * (1 - alpha) + alpha

over(np.array([0.15, 0.16, 0.19]), rounded_rect(16, 16, S - 16, S - 16, 96))

def plane(dx, dy, noisy, tint):
    # A skewed parallelogram suggesting a plane seen in perspective, filled with "nuclei".
    u = (x - dx - 0.35 * (y - dy)) / 300.0
    v = (y - dy) / 150.0
    inside = ((u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)).astype(np.float64)
    blobs = np.zeros((S, S))
    for cx, cy, r in [(0.2, 0.35, 0.10), (0.45, 0.6, 0.13), (0.72, 0.3, 0.09), (0.85, 0.72, 0.08), (0.3, 0.8, 0.07)]:
        blobs += np.exp(-(((u - cx) / r) ** 2 + ((v - cy) / (r * 2)) ** 2))
    signal = 0.25 + 0.75 * np.clip(blobs, 0, 1)
    if noisy:
        signal = np.clip(signal + rng.normal(0, 0.28, (S, S)), 0, 1)
    rgb = signal[..., None] * np.asarray(tint).reshape(1, 1, 3)
    over(rgb, inside * 0.95)

plane(125, 60, True, [0.45, 0.65, 1.0])
plane(95, 180, False, [0.35, 0.75, 1.0])
plane(65, 300, True, [0.45, 0.65, 1.0])

rgba = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
raw = b''.join(b'\x00' + rgba[r].tobytes() for r in range(S))
chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xFFFFFFFF)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', S, S, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
open(sys.argv[1] if len(sys.argv) > 1 else 'assets/icon.png', 'wb').write(png)
