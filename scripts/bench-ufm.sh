#!/usr/bin/env bash
# Side-by-side timing of one full-batch gradient-descent iteration of the UFM:
# nclab (analytic gradients, fused in-place step) against the PyTorch autograd reference
# ../shared/bench/ufm_torch.py, alternating runs on the same machine, and the median ratio.
# Usage: scripts/bench-ufm.sh [rounds]   (needs: apt-get install -y python3-torch)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ref="${NCLAB_BENCH_DIR:-$here/../shared/bench}/ufm_torch.py"
rounds="${1:-5}"
"$here/nclab" --version >/dev/null
for loss in ce focal ls mse; do
for shape in "10 512 100 200" "100 512 50 40"; do
  set -- $shape
  K=$1 d=$2 n=$3 iters=$4
  spec=$loss; [ "$loss" = focal ] && spec="focal:gamma=3"; [ "$loss" = ls ] && spec="ls:alpha=0.1"
  ours=(); theirs=()
  for r in $(seq "$rounds"); do
    ours+=("$("$here/nclab" ufm --loss "$spec" --optimizer gd --lr 0.1 --lambda-w 5e-4 --lambda-h 5e-4 --lambda-b 5e-4 \
      --classes "$K" --dim "$d" --per-class "$n" --iters "$iters" --tol 0 --log-every 1000000 --json | tail -1 |
      python3 -c 'import json,sys; j=json.load(sys.stdin); print(1000*j["seconds"]/j["iterations"])')")
    theirs+=("$(/usr/bin/python3 "$ref" --loss "$loss" --classes "$K" --dim "$d" --per-class "$n" --iters "$iters" |
      tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["ms_per_iter"])')")
  done
  python3 - "$loss" "$K" "$d" "$n" "${ours[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
loss, K, d, n = sys.argv[1:5]
a = [float(x) for x in sys.argv[5].split()]
b = [float(x) for x in sys.argv[6].split()]
ratios = [y / x for x, y in zip(a, b)]
print(f"{loss:6s} K={K:>3s} d={d} n={n:>3s}  nclab {statistics.median(a):8.3f} ms/iter  pytorch {statistics.median(b):8.3f} ms/iter"
      f"  speed-up x{statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")
PY
done
done
