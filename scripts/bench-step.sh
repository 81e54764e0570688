#!/usr/bin/env bash
# One MLP training step part by part (zeroing, forward + backward, clipping, SGD) and one float32 GEMM of the
# MLP's shape, nclab (io.nclab.train.StepBenchmark) beside PyTorch (bench/train_step_torch.py), alternating,
# both with OMP_WAIT_POLICY=PASSIVE. Usage: scripts/bench-step.sh [rounds] [steps] [threads]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-2}"
steps="${2:-60}"
threads="${3:-$(nproc)}"
"$here/nclab" --version >/dev/null
for r in $(seq "$rounds"); do
  OMP_WAIT_POLICY=PASSIVE java -Xss16m -Dai.djl.offline=true -cp "$here/target/nclab.jar" \
    io.nclab.train.StepBenchmark "$steps" "$threads" 2>/dev/null | tail -1
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$here/bench/train_step_torch.py" "$steps" "$threads" | tail -1
done
