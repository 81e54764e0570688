#!/usr/bin/env bash
# Training throughput side by side: nclab (DJL + PyTorch 2.7.1 natives) and ../shared/bench/train_torch.py
# (PyTorch 1.13 from Debian), the same MLP (3 x 1024, batch norm), Fashion-MNIST --per-class 500, batch 128,
# on this machine's cores, alternating the two so that machine load affects both alike. nclab runs with the
# launcher's OMP_WAIT_POLICY=PASSIVE; PyTorch runs twice, as installed (libgomp's default: threads spin
# between operations) and with OMP_WAIT_POLICY=PASSIVE, which is much faster for Debian's build on 2 cores.
# Usage: scripts/bench-train.sh [rounds] [epochs] [threads (0: every core)]
# Prints each program's JSON line, then per round the ratios: training samples/s, and the probe pass against a plain
# forward pass, nclab's own and the reference's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-2}"
epochs="${2:-3}"
threads="${3:-0}"
torch_threads="$threads"
[ "$threads" = 0 ] && torch_threads="$(nproc)"
ref="${NCLAB_TORCH_BENCH:-$here/../shared/bench/train_torch.py}"
"$here/nclab" --version >/dev/null
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for r in $(seq "$rounds"); do
  out="$(mktemp -d)"
  OMP_WAIT_POLICY=PASSIVE java -Xss16m -Dai.djl.offline=true -cp "$here/target/nclab.jar" io.nclab.train.TrainBenchmark "$out/run" "$epochs" 500 "$threads" \
    2>/dev/null | tail -1 | tee -a "$log"
  rm -rf "$out"
  for policy in default PASSIVE; do
    if [ "$policy" = default ]; then
      env -u OMP_WAIT_POLICY /usr/bin/python3 "$ref" --per-class 500 --epochs "$epochs" --width 1024 --depth 3 \
        --batch-size 128 --threads "$torch_threads" | tail -1 | sed 's/^{/{"omp_wait_policy": "default", /' \
        | tee -a "$log"
    else
      OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$ref" --per-class 500 --epochs "$epochs" --width 1024 --depth 3 \
        --batch-size 128 --threads "$torch_threads" | tail -1 | sed 's/^{/{"omp_wait_policy": "PASSIVE", /' \
        | tee -a "$log"
    fi
  done
done
# Per round, the ratios the training issue asks for: nclab's training samples/s over PyTorch's, and the probe pass
# (forward over the training set + every NC metric) over a plain forward pass, nclab's own and the reference's
# (train_torch.py reports its forward pass over the same training set).
/usr/bin/python3 - "$log" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for i in range(0, len(rows) - 2, 3):
    n, d, p = rows[i], rows[i + 1], rows[i + 2]
    print(f"round {i // 3 + 1}: samples/s nclab / PyTorch {n['train_samples_per_s'] / d['train_samples_per_s']:.2f}x "
          f"(as installed), {n['train_samples_per_s'] / p['train_samples_per_s']:.2f}x (passive); probe pass / plain "
          f"forward pass: nclab's own {n['probe_over_forward']:.2f}x (its first {n.get('probe_over_forward_first', float('nan')):.2f}x), PyTorch's {n['probe_pass_seconds'] / d['forward_pass_seconds']:.2f}x "
          f"(as installed), {n['probe_pass_seconds'] / p['forward_pass_seconds']:.2f}x (passive)")
PY
