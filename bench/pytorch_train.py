"""PyTorch CPU peer for bench/onnx-train.ts: the same U-Net (built from the ArchSpec JSON that
shared/model/arch.ts produces) trained with Adam on random batches. Run with Debian's
/usr/bin/python3 (python3-torch).
Usage: /usr/bin/python3 bench/pytorch_train.py BATCH SIZE THREADS, then on stdin: the ArchSpec JSON on
one line, then lines "N" (run N timed steps; answers one JSON line {"times": [...]}) so the bench can
interleave PyTorch with the other engines under the same machine load; "quit" ends.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


class Net(torch.nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        ch = {spec["inputName"]: spec["inChannels"]}
        self.convs = torch.nn.ModuleDict()
        for n in spec["nodes"]:
            if n["op"] == "conv":
                self.convs[n["name"]] = torch.nn.Conv2d(ch[n["input"]], n["filters"], n["kernel"], padding=n["kernel"] // 2)
                ch[n["name"]] = n["filters"]
            elif n["op"] == "concat":
                ch[n["name"]] = sum(ch[i] for i in n["inputs"])
            else:
                ch[n["name"]] = ch[n["input"]]

    def forward(self, x):
        v = {self.spec["inputName"]: x}
        for n in self.spec["nodes"]:
            op = n["op"]
            if op == "conv":
                z = self.convs[n["name"]](v[n["input"]])
                act = n["activation"]
                v[n["name"]] = F.relu(z) if act == "relu" else F.leaky_relu(z, 0.1) if act == "leaky0.1" else z
            elif op == "maxpool":
                v[n["name"]] = F.max_pool2d(v[n["input"]], 2)
            elif op == "upsample":
                v[n["name"]] = F.interpolate(v[n["input"]], scale_factor=2, mode="nearest")
            elif op == "concat":
                v[n["name"]] = torch.cat([v[i] for i in n["inputs"]], 1)
            elif op == "residual":
                v[n["name"]] = v[n["input"]] + x[:, n["channels"]].mean(1, keepdim=True)
        return v[self.spec["output"]]


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
        times = []
        for _ in range(int(line)):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        print(json.dumps({"times": times}), flush=True)


if __name__ == "__main__":
    main()
