#!/usr/bin/env bash
# nclab metrics side by side with the direct NumPy method (../shared/bench/metrics_direct.py: a d×d Σ_W and
# a d×d pseudo-inverse, float64) on the same .npy files, in one run, the two alternating run by run.
#
#   bench/nc-metrics.sh [K] [runs] [--rank]   (K = 10 by default; N = 50,000, d = 2,048, float32 features)
#
# Inputs are generated once under ${NCLAB_BENCH_DIR:-/tmp/nclab-bench} (400 MB per K), never in the repo.
# Per run: the direct method's metric seconds, nclab's read and metric seconds (--timings, every metric but
# numerical_rank) and their ratio; then the medians. With --rank, numerical_rank is timed once more on its
# own against one SVD per class (bench/numerical_rank_direct.py).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K="${1:-10}"
runs="${2:-5}"
rank="${3:-}"
dir="${NCLAB_BENCH_DIR:-/tmp/nclab-bench}"
direct="$here/../shared/bench/metrics_direct.py"
py=/usr/bin/python3
mkdir -p "$dir"
H="$dir/H$K.npy"; Y="$dir/y$K.npy"; W="$dir/W$K.npy"
if [ ! -f "$H" ]; then
  "$py" "$direct" --generate --features "$H" --labels "$Y" --weights "$W" -N 50000 -d 2048 -K "$K"
fi
"$here/nclab" --version >/dev/null # build once, outside the timings
field() { sed -E "s/.*$1 ([0-9.]+) s.*/\1/"; }
printf '%-4s %10s %8s %10s %7s %13s\n' run direct_s read_s metrics_s ratio metrics/read
ratios=(); reads=(); mets=(); dirs=(); rr=()
for r in $(seq 1 "$runs"); do
  d_s=$("$py" "$direct" --features "$H" --labels "$Y" --weights "$W" \
    | "$py" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["metric_seconds"])')
  t=$("$here/nclab" metrics --features "$H" --labels "$Y" --weights "$W" --no-numerical-rank --timings --json \
    2>&1 >/dev/null | grep '^timings:')
  read_s=$(field read <<<"$t"); met_s=$(field metrics <<<"$t")
  ratio=$("$py" -c "print(f'{$d_s/$met_s:.1f}')"); mr=$("$py" -c "print(f'{$met_s/$read_s:.2f}')")
  printf '%-4s %10.3f %8.3f %10.3f %7s %13s\n' "$r" "$d_s" "$read_s" "$met_s" "$ratio" "$mr"
  ratios+=("$ratio"); reads+=("$read_s"); mets+=("$met_s"); dirs+=("$d_s"); rr+=("$mr")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "median: direct $(median "${dirs[@]}") s, nclab metrics $(median "${mets[@]}") s (read $(median "${reads[@]}") s)," \
  "direct/nclab $(median "${ratios[@]}")x, nclab metrics/read $(median "${rr[@]}")x"
if [ "$rank" = "--rank" ]; then
  t=$("$here/nclab" metrics --features "$H" --labels "$Y" --timings --json 2>&1 >/dev/null | grep '^timings:')
  svd=$("$py" "$here/bench/numerical_rank_direct.py" --features "$H" --labels "$Y" \
    | "$py" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["seconds"])')
  echo "numerical_rank: nclab $(field numerical_rank <<<"$t") s, one SVD per class (NumPy) $svd s"
fi
