#!/usr/bin/env bash
# Compiles and runs abi_probe.cpp once per item against the headers of the pip torch in `python3`
# (or $NCLAB_PYTHON), or of the include folder given as $1. Needs g++. See docs/gpu.md.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
inc="${1:-$("${NCLAB_PYTHON:-python3}" -c 'import importlib.util,os;print(os.path.join(os.path.dirname(importlib.util.find_spec("torch").origin),"include"))')}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
items=(V:has_storage V:is_contiguous_custom V:sizes_custom V:numel_custom V:dim_custom
  F:storage_ F:autograd_meta_ F:extra_meta_ F:version_counter_ F:pyobj_slot_
  F:sizes_and_strides_ F:storage_offset_ F:numel_ F:data_type_ F:device_opt_ F:key_set_
  S:c10::TensorImpl S:c10::impl::PyObjectSlot S:c10::StorageImpl)
i=0
for it in "${items[@]}"; do
  i=$((i + 1))
  ( g++ -std=c++17 -w -D_GLIBCXX_USE_CXX11_ABI=1 -DITEM_${it%%:*}="${it#*:}" -I"$inc" \
      "$here/abi_probe.cpp" -o "$work/p$i" 2>"$work/e$i" \
    && "$work/p$i" >"$work/o$i" \
    || echo "?      ${it#*:}: $(grep -m1 'error' "$work/e$i" | cut -c1-200)" >"$work/o$i" ) &
done
wait
for j in $(seq 1 $i); do cat "$work/o$j"; done
