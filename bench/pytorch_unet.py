"""PyTorch CPU peer for bench/engine-train.ts: the same U-Net, built from the ArchSpec JSON that
shared/model/arch.ts produces (read from stdin), timed for one Adam training step (batch B, P×P
patches) and one inference of an S×S plane. Run with Debian's /usr/bin/python3 (python3-torch).
Usage: /usr/bin/python3 bench/pytorch_unet.py BATCH PATCH PLANE THREADS STEPS INFERENCES < spec.json
Prints one JSON line: {"torch", "threads", "train_step_s", "inference_s", "train_step_cpu_s", "inference_cpu_s"}
(lists of seconds; *_cpu_s is process CPU time over all threads).
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
    batch, patch, plane, threads, steps, inferences = (int(a) for a in sys.argv[1:7])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    spec = json.loads(sys.stdin.read())
    net = Net(spec)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    x = torch.randn(batch, spec["inChannels"], patch, patch)
    y = torch.randn(batch, 1, patch, patch)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(net(x), y)
        loss.backward()
        opt.step()

    step()  # warm-up (allocations, oneDNN primitive creation)
    train, train_cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        train.append(time.perf_counter() - t0)
        train_cpu.append(time.process_time() - c0)
    xi = torch.randn(1, spec["inChannels"], plane, plane)
    infer, infer_cpu = [], []
    with torch.no_grad():
        net(xi)
        for _ in range(inferences):
            t0, c0 = time.perf_counter(), time.process_time()
            net(xi)
            infer.append(time.perf_counter() - t0)
            infer_cpu.append(time.process_time() - c0)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "train_step_s": train, "inference_s": infer,
                      "train_step_cpu_s": train_cpu, "inference_cpu_s": infer_cpu}), flush=True)


if __name__ == "__main__":
    main()
