#!/usr/bin/env bash
# nclab metrics side by side with the direct NumPy method (../shared/bench/metrics_direct.py: a d×d Σ_W and
# a d×d pseudo-inverse, float64) on the same .npy files, in one run, alternating the two.
#
#   bench/nc-metrics.sh [K] [runs]      (K = 10 by default; inputs: N = 50,000, d = 2,048, float32)
#
# Inputs are generated once under ${NCLAB_BENCH_DIR:-/tmp/nclab-bench} (400 MB per K), never in the repo.
# Prints, per run, the direct method's metric seconds, nclab's read / metrics / numerical_rank seconds
# (from --timings) and the ratio direct / nclab, then the medians.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K="${1:-10}"
runs="${2:-3}"
dir="${NCLAB_BENCH_DIR:-/tmp/nclab-bench}"
direct="$here/../shared/bench/metrics_direct.py"
py=/usr/bin/python3
mkdir -p "$dir"
H="$dir/H$K.npy"; Y="$dir/y$K.npy"; W="$dir/W$K.npy"
if [ ! -f "$H" ]; then
  "$py" "$direct" --generate --features "$H" --labels "$Y" --weights "$W" -N 50000 -d 2048 -K "$K"
fi
"$here/nclab" --version >/dev/null # build once, outside the timings
printf '%-4s %12s %10s %12s %16s %8s %10s\n' run direct_s read_s metrics_s numerical_rank_s ratio read_ratio
ratios=(); reads=(); mets=(); dirs=(); ranks=()
for r in $(seq 1 "$runs"); do
  d_s=$("$py" "$direct" --features "$H" --labels "$Y" --weights "$W" | "$py" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["metric_seconds"])')
  t=$("$here/nclab" metrics --features "$H" --labels "$Y" --weights "$W" --timings --json 2>&1 >/dev/null | grep '^timings:')
  read_s=$(sed -E 's/.*read ([0-9.]+) s.*/\1/' <<<"$t")
  met_s=$(sed -E 's/.*metrics ([0-9.]+) s.*/\1/' <<<"$t")
  rank_s=$(sed -E 's/.*numerical_rank ([0-9.]+) s.*/\1/' <<<"$t")
  ratio=$("$py" -c "print(f'{$d_s/$met_s:.1f}')")
  rr=$("$py" -c "print(f'{$met_s/$read_s:.2f}')")
  printf '%-4s %12.3f %10.3f %12.3f %16.3f %8s %10s\n' "$r" "$d_s" "$read_s" "$met_s" "$rank_s" "$ratio" "$rr"
  ratios+=("$ratio"); reads+=("$rr"); mets+=("$met_s"); dirs+=("$d_s"); ranks+=("$rank_s")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "median: direct $(median "${dirs[@]}") s, nclab metrics $(median "${mets[@]}") s, numerical_rank $(median "${ranks[@]}") s," \
  "direct/nclab $(median "${ratios[@]}")x, nclab metrics/read $(median "${reads[@]}")x"
