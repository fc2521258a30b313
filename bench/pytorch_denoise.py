"""PyTorch CPU peer for bench/denoise-command.ts: a whole denoise command in PyTorch at its fastest
tiling on this machine — the same U-Net (Net from bench/pytorch_unet.py, built from the ArchSpec JSON
of shared/model/arch.ts) over non-overlapping TILE×TILE tiles (no receptive-field overlap, so a lower
bound for any real tiled PyTorch run), self-supervised Noise2Stack input (planes i−1 and i+1).
Reads the stack with tifffile, percentile-normalises it, writes float32. Run with Debian's
/usr/bin/python3 (python3-torch, python3-tifffile).
Usage: /usr/bin/python3 bench/pytorch_denoise.py SPEC.json IN.tif OUT.tif TILE THREADS
Prints one JSON line: {"torch", "threads", "inference_s", "total_s"} (total from interpreter start).
"""
import json
import os
import sys
import time

T_START = time.perf_counter()

import numpy as np  # noqa: E402
import tifffile  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_unet import Net  # noqa: E402


def main():
    spec_path, src, dst, tile, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    with open(spec_path) as f:
        spec = json.load(f)
    net = Net(spec).eval()
    stack = tifffile.imread(src).astype(np.float32)
    depth, h, w = stack.shape
    lo, hi = np.percentile(stack, [3, 99.8])
    stack = (stack - lo) / (hi - lo)
    out = np.empty_like(stack)
    t_inf = 0.0
    with torch.no_grad():
        for z in range(depth):
            a, b = stack[max(z - 1, 0)], stack[min(z + 1, depth - 1)]
            x = torch.from_numpy(np.stack([a, b])[None])
            t0 = time.perf_counter()
            for y0 in range(0, h, tile):
                for x0 in range(0, w, tile):
                    out[z, y0:y0 + tile, x0:x0 + tile] = net(x[:, :, y0:y0 + tile, x0:x0 + tile])[0, 0].numpy()
            t_inf += time.perf_counter() - t0
    tifffile.imwrite(dst, out * (hi - lo) + lo)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "inference_s": t_inf, "total_s": time.perf_counter() - T_START}), flush=True)


if __name__ == "__main__":
    main()
