"""PyTorch CPU peer for bench/onnx-infer.ts: the same U-Net (Net from bench/pytorch_unet.py, built
from the ArchSpec JSON of shared/model/arch.ts), timed for inference of one SIZE×SIZE plane.
Run with Debian's /usr/bin/python3 (python3-torch).
Usage: /usr/bin/python3 bench/pytorch_infer.py SIZE THREADS, then on stdin: the ArchSpec JSON on
one line (answers {"torch", "threads"}), then lines "N" (runs N timed inferences, answers one JSON
line {"times": [...]}) so the bench can interleave PyTorch with the other engines under the same
machine load; "quit" ends.
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_unet import Net  # noqa: E402


def main():
    size, threads = (int(a) for a in sys.argv[1:3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    spec = json.loads(sys.stdin.readline())
    net = Net(spec).eval()
    x = torch.rand(1, spec["inChannels"], size, size)
    with torch.no_grad():
        net(x)  # warm-up: allocations, oneDNN primitive creation
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if line == "quit":
            break
        times = []
        with torch.no_grad():
            for _ in range(int(line)):
                t0 = time.perf_counter()
                net(x)
                times.append(time.perf_counter() - t0)
        print(json.dumps({"times": times}), flush=True)


if __name__ == "__main__":
    main()
