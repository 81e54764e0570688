#!/usr/bin/env python3
"""The MSE paper's numerical rank the direct way, (1/K) sum_k ||H_k||_*^2 / ||H_k||_F^2 with one SVD per
class (numpy.linalg.norm(..., 'nuc'), float64): the reference for nclab's numerical_rank timing."""
import argparse, json, time
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--features", required=True)
p.add_argument("--labels", required=True)
a = p.parse_args()
H = np.load(a.features).astype(np.float64)
y = np.load(a.labels)
K = int(y.max()) + 1
t0 = time.perf_counter()
r = float(np.mean([np.linalg.norm(H[y == k], "nuc") ** 2 / np.linalg.norm(H[y == k]) ** 2 for k in range(K)]))
print(json.dumps({"tool": "numpy-svd", "K": K, "numerical_rank": r, "seconds": time.perf_counter() - t0}))
