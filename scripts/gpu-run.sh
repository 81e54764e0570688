#!/usr/bin/env bash
# Launcher for the nclab GPU bundle (copied into the bundle as run.sh by scripts/gpu-bundle.sh).
#
# Runs on the GPU machine: no Java, no network, a pip-installed CUDA build of PyTorch in the
# Python that `python3` (or $NCLAB_PYTHON) names. It points DJL at that PyTorch's libtorch
# (PYTORCH_LIBRARY_PATH / PYTORCH_VERSION / PYTORCH_FLAVOR), lays the bundled cu128 JNI library
# out in a private DJL cache so nothing is ever downloaded, lets DJL's CUDA probe (JNA) find the
# wheel's libcudart, and starts the bundled Java runtime.
#
#   run.sh diag            what is on the machine: torch, CUDA, the JNI library against libtorch
#   run.sh probe           the operation-by-operation GPU probe (exit 0 = all passed)
#   run.sh ARGS...         nclab itself, same arguments as ./nclab
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${NCLAB_PYTHON:-python3}"
jni="$here/jni/libdjl_torch.so"
flavor="$(cat "$here/jni/FLAVOR")"          # cu128: the only CUDA JNI build in pytorch-jni 2.7.1
djl_version="$(cat "$here/jni/DJL_VERSION")" # 0.35.1

# Where the pip torch lives, without importing it (importing initialises CUDA and takes seconds).
# NCLAB_TORCH_LIB and NCLAB_TORCH_VERSION name another libtorch folder and its version instead.
if [ -n "${NCLAB_TORCH_LIB:-}" ]; then
  torch_lib="$NCLAB_TORCH_LIB"; torch_ver="${NCLAB_TORCH_VERSION:?set NCLAB_TORCH_VERSION too}"
else
  read -r torch_lib torch_ver < <("$py" - <<'EOF2'
import importlib.util, importlib.metadata, os
spec = importlib.util.find_spec("torch")
if spec is None or spec.origin is None:
    raise SystemExit("run.sh: no 'torch' package in this Python")
print(os.path.join(os.path.dirname(spec.origin), "lib"), importlib.metadata.version("torch").split("+")[0])
EOF2
  )
fi
[ -f "$torch_lib/libtorch.so" ] || { echo "run.sh: no libtorch.so in $torch_lib" >&2; exit 2; }

# The CUDA runtime libtorch_cuda.so resolves (a pip nvidia-* wheel): DJL's GPU count comes from it.
cudart=""
if [ -f "$torch_lib/libtorch_cuda.so" ]; then
  cudart="$(LD_LIBRARY_PATH="$torch_lib" ldd "$torch_lib/libtorch_cuda.so" 2>/dev/null \
    | awk '/libcudart\.so/ && $3 ~ /^\// {print $3; exit}' || true)"
fi
cudart_dir="${cudart:+$(dirname "$cudart")}"

# A private DJL cache holding the JNI library under the name DJL looks for first
# (<cache>/pytorch/<version>-<flavor>-linux-x86_64/<djl version>-libdjl_torch.so).
cache="${NCLAB_DJL_CACHE:-${TMPDIR:-/tmp}/nclab-djl-cache}"
jdir="$cache/pytorch/$torch_ver-$flavor-linux-x86_64"
mkdir -p "$jdir"
cp -f "$jni" "$jdir/$djl_version-libdjl_torch.so"

export PYTORCH_LIBRARY_PATH="$torch_lib" PYTORCH_VERSION="$torch_ver" PYTORCH_FLAVOR="$flavor"
export DJL_CACHE_DIR="$cache" ENGINE_CACHE_DIR="$cache"
java_opts=(${NCLAB_JAVA_OPTS:--Xss16m -XX:+UseParallelGC}
  -Dai.djl.offline=true -Dnclab.home="$here"
  ${cudart_dir:+-Djna.library.path="$cudart_dir"}
  --add-opens java.base/java.nio=ALL-UNNAMED)
java="$here/jre/bin/java"

case "${1:-}" in
  diag)
    echo "== machine";  uname -srm; nvidia-smi -L 2>&1 || true
    nvidia-smi --query-gpu=driver_version,memory.total --format=csv,noheader 2>&1 || true
    echo "== python torch"
    "$py" -c 'import sys,torch; print(sys.version.split()[0], torch.__version__, "cuda", torch.version.cuda,
      "cudnn", torch.backends.cudnn.version(), "cxx11abi", torch._C._GLIBCXX_USE_CXX11_ABI,
      "gpu", torch.cuda.is_available() and torch.cuda.get_device_name(0))' 2>&1 || true
    echo "torch lib: $torch_lib (version $torch_ver)"; ls -la "$torch_lib"
    echo "cudart: ${cudart:-not found}"
    echo "== bundled Java"; "$java" -version 2>&1; "$java" --list-modules | tr '\n' ' '; echo
    echo "== JNI library ($flavor, DJL $djl_version) against this libtorch: ldd -r"
    LD_LIBRARY_PATH="$torch_lib" ldd -r "$jni" 2>&1 | tee /tmp/nclab-ldd.txt || true
    echo "== undefined symbols, demangled"
    # Each missing symbol, demangled, and what this libtorch defines under the same name instead.
    defined=/tmp/nclab-defined.txt; : >"$defined"
    if command -v nm >/dev/null; then
      for l in "$torch_lib"/lib{c10,c10_cuda,torch,torch_cpu,torch_cuda}.so; do
        [ -f "$l" ] && nm -D -C --defined-only "$l" | sed "s|^|$(basename "$l"): |" >>"$defined"
      done
    else
      echo "(no nm here: no comparison with the defined symbols)"
    fi
    grep -o 'undefined symbol: [^ ,]*' /tmp/nclab-ldd.txt | awk '{print $3}' | sort -u \
      | while read -r s; do
          d="$(echo "$s" | c++filt 2>/dev/null || echo "$s")"
          printf 'MISSING %s\n    = %s\n' "$s" "$d"
          base="${d%%(*}"
          grep -F -- " ${base}(" "$defined" | head -3 | sed 's/^/    this libtorch has: /' || true
        done
    echo "count: $(grep -o 'undefined symbol: [^ ,]*' /tmp/nclab-ldd.txt | sort -u | wc -l)"
    ;;
  probe)
    shift
    exec "$java" "${java_opts[@]}" -cp "$here/lib/gpu-probe.jar:$here/lib/nclab.jar" GpuProbe "$@"
    ;;
  *)
    exec "$java" "${java_opts[@]}" -jar "$here/lib/nclab.jar" "$@"
    ;;
esac
