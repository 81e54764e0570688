#!/usr/bin/env python3
"""One training step of the MLP of ../shared/bench/train_torch.py, part by part, and one float32 GEMM of its shape:
the PyTorch side of scripts/bench-step.sh (nclab's side: io.nclab.train.StepBenchmark)."""
import json, sys, time
import torch, torch.nn as nn

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 60
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)
layers, w_in = [], 784
for _ in range(3):
    layers += [nn.Linear(w_in, 1024), nn.BatchNorm1d(1024), nn.ReLU()]
    w_in = 1024
features, head = nn.Sequential(*layers), nn.Linear(1024, 10)
params = list(features.parameters()) + list(head.parameters())
opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=5e-4)
x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))
t = dict(zero=0.0, fb=0.0, clip=0.0, sgd=0.0)
for s in range(steps + 10):
    if s == 10:
        t = dict(zero=0.0, fb=0.0, clip=0.0, sgd=0.0)
    t0 = time.perf_counter(); opt.zero_grad(); t1 = time.perf_counter()
    loss = nn.functional.cross_entropy(head(features(x)), y); loss.backward(); loss.item(); t2 = time.perf_counter()
    torch.nn.utils.clip_grad_norm_(params, 2.0); t3 = time.perf_counter()
    opt.step(); t4 = time.perf_counter()
    t["zero"] += t1 - t0; t["fb"] += t2 - t1; t["clip"] += t3 - t2; t["sgd"] += t4 - t3
a, b = torch.randn(128, 1024), torch.randn(1024, 1024)
for _ in range(10):
    a @ b
g0 = time.perf_counter()
for _ in range(100):
    a @ b
print(json.dumps({"tool": "pytorch-" + torch.__version__, "zero_ms": t["zero"] / steps * 1e3,
                  "forward_backward_ms": t["fb"] / steps * 1e3, "clip_ms": t["clip"] / steps * 1e3,
                  "sgd_ms": t["sgd"] / steps * 1e3, "sgemm_128x1024x1024_ms": (time.perf_counter() - g0) * 10}))
