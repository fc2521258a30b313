"""PyTorch Noise2Void peer for the study (main/science/study/gap-study.ts): the SAME recipe as the
project's trainer, written independently in PyTorch so the two can be compared in one run —
the same U-Net (pytorch_unet.py builds it from the ArchSpec JSON), random 64² crops of random
training planes with one of the 8 rotations/flips, stratified blind spots (one per box of side
round(sqrt(1/fraction))), each replaced by a uniformly random other pixel of its (2r+1)² window
inside the patch, MSE on the blind-spot pixels only, Adam with a cosine learning rate stepped per
epoch, fixed validation batches from held-out planes and the best-by-validation weights kept;
then every plane of the stack is predicted whole. What differs on purpose: PyTorch's own weight
initialisation and random numbers (an independent implementation, not a bit-for-bit copy).

Run with Debian's /usr/bin/python3 (python3-torch):
  /usr/bin/python3 bench/pytorch_n2v.py JOB.json
JOB.json: {"spec": ArchSpec, "data": "stack.f32" (float32 ZYX, already normalised), "depth", "height",
"width", "epochs", "stepsPerEpoch", "batch", "patch", "lr", "valFraction", "valBatches",
"n2vFraction", "n2vRadius", "seed", "threads", "out": "prediction.f32"}.
Prints one JSON line: {"seconds", "bestEpoch", "bestValLoss", "history": [[loss, valLoss], ...]}.
"""
import copy
import json
import math
import sys
import time

import numpy as np
import torch

from pytorch_unet import Net


def validation_planes(depth, fraction):
    # The same spread-out held-out planes as main/engine/sampler.ts's validationPlanes.
    n_val = min(depth - 1, round(fraction * depth))
    if n_val <= 0:
        return []
    return sorted({min(depth - 1, int(((v + 0.5) * depth) // n_val)) for v in range(n_val)})


def blind_spots(p, fraction, radius, rng):
    """Stratified blind-spot positions and, for each, a different pixel of its window in the patch."""
    box = max(1, round(math.sqrt(1 / fraction)))
    spots, sources = [], []
    for by in range(0, p, box):
        for bx in range(0, p, box):
            r, c = by + rng.integers(box), bx + rng.integers(box)
            if r >= p or c >= p:
                continue
            while True:
                nr = r + rng.integers(-radius, radius + 1)
                nc = c + rng.integers(-radius, radius + 1)
                if (nr, nc) != (r, c) and 0 <= nr < p and 0 <= nc < p:
                    break
            spots.append((r, c))
            sources.append((nr, nc))
    return spots, sources


def make_batch(stack, planes, job, rng):
    n, p = job["batch"], job["patch"]
    _, h, w = stack.shape
    x = np.empty((n, 1, p, p), np.float32)
    y = np.empty((n, 1, p, p), np.float32)
    m = np.zeros((n, 1, p, p), np.float32)
    for i in range(n):
        z = planes[rng.integers(len(planes))]
        y0, x0 = rng.integers(h - p + 1), rng.integers(w - p + 1)
        patch = stack[z, y0:y0 + p, x0:x0 + p]
        t = rng.integers(8)
        if t & 4:
            patch = patch[:, ::-1]
        patch = np.rot90(patch, t & 3)
        y[i, 0] = patch
        x[i, 0] = patch
        spots, sources = blind_spots(p, job["n2vFraction"], job["n2vRadius"], rng)
        for (r, c), (nr, nc) in zip(spots, sources):
            x[i, 0, r, c] = patch[nr, nc]
            m[i, 0, r, c] = 1
    return torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(m)


def masked_mse(pred, y, m):
    return ((pred - y) ** 2 * m).sum() / torch.clamp(m.sum(), min=1)


def main():
    job = json.load(open(sys.argv[1]))
    torch.set_num_threads(job.get("threads", 2))
    torch.manual_seed(job["seed"])
    rng = np.random.default_rng(job["seed"])
    d, h, w = job["depth"], job["height"], job["width"]
    stack = np.fromfile(job["data"], dtype=np.float32).reshape(d, h, w)
    held = validation_planes(d, job["valFraction"])
    train = [z for z in range(d) if z not in held]
    net = Net(job["spec"])
    opt = torch.optim.Adam(net.parameters(), lr=job["lr"], betas=(0.9, 0.999), eps=1e-8)
    val_rng = np.random.default_rng(job["seed"] + 2)
    val = [make_batch(stack, held, job, val_rng) for _ in range(job["valBatches"])] if held else []
    best, best_val, best_epoch, history = None, math.inf, 0, []
    t0 = time.perf_counter()
    epochs = job["epochs"]
    for e in range(epochs):
        lr = job["lr"] * 0.5 * (1 + math.cos(math.pi * e / epochs))
        for g in opt.param_groups:
            g["lr"] = lr
        net.train()
        total = 0.0
        for _ in range(job["stepsPerEpoch"]):
            x, y, m = make_batch(stack, train, job, rng)
            opt.zero_grad()
            loss = masked_mse(net(x), y, m)
            loss.backward()
            opt.step()
            total += loss.item()
        net.eval()
        with torch.no_grad():
            v = sum(masked_mse(net(x), y, m).item() for x, y, m in val) / len(val) if val else total / job["stepsPerEpoch"]
        history.append([total / job["stepsPerEpoch"], v])
        if v < best_val:
            best_val, best_epoch, best = v, e + 1, copy.deepcopy(net.state_dict())
    seconds = time.perf_counter() - t0
    net.load_state_dict(best)
    net.eval()
    div = job["spec"].get("divisor", 1)
    ph, pw = (-h) % div, (-w) % div
    out = np.empty((d, h, w), np.float32)
    with torch.no_grad():
        for z0 in range(0, d, 4):
            x = torch.from_numpy(stack[z0:z0 + 4, None].copy())
            if ph or pw:
                x = torch.nn.functional.pad(x, (0, pw, 0, ph), mode="reflect")
            out[z0:z0 + 4] = net(x)[:, 0, :h, :w].numpy()
    out.tofile(job["out"])
    print(json.dumps({"seconds": seconds, "bestEpoch": best_epoch, "bestValLoss": best_val, "history": history,
                      "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
