"""PyTorch CPU peer for bench/onnx-train.ts: the same U-Net (built from the ArchSpec JSON that
shared/model/arch.ts produces) trained with Adam on random batches. Run with Debian's
/usr/bin/python3 (python3-torch).
Usage: /usr/bin/python3 bench/pytorch_train.py BATCH SIZE THREADS, then on stdin: the ArchSpec JSON on
one line, then lines "N" (run N timed steps; answers one JSON line {"times": [...]}) so the bench can
interleave PyTorch with the other engines under the same machine load; "quit" ends. "cpu" holds the
process CPU seconds of each step (all threads): with one thread, a measure of the work that a busy
machine inflates far less than wall time.
"""
import json
import sys
import time

import torch

# The network is the one the other PyTorch peer builds from the ArchSpec (same folder).
from pytorch_unet import Net
import torch.nn.functional as F


def main():
    batch, size, threads = (int(a) for a in sys.argv[1:4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    spec = json.loads(sys.stdin.readline())
    net = Net(spec)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    x = torch.randn(batch, spec["inChannels"], size, size)
    y = torch.randn(batch, 1, size, size)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(net(x), y)
        loss.backward()
        opt.step()

    step()  # warm-up (allocations, oneDNN primitive creation)
    print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if line == "quit" or not line:
            break
        times, cpu = [], []
        for _ in range(int(line)):
            t0, c0 = time.perf_counter(), time.process_time()
            step()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        print(json.dumps({"times": times, "cpu": cpu}), flush=True)


if __name__ == "__main__":
    main()
