#!/usr/bin/env bash
# Builds, on a development machine (x86_64 Linux, JDK 17 with jlink, Maven), the bundle that runs
# nclab on a GPU machine that has no Java and no network but a pip-installed CUDA PyTorch.
# See docs/gpu.md.
#
#   scripts/gpu-bundle.sh [DEST]     (DEST defaults to .bundle in the repository root)
#
# DEST then holds:
#   jre/               a jlink runtime with only the modules nclab and DJL use
#   lib/nclab.jar      the runnable nclab jar without the CPU libtorch and without other
#                      platforms' JNI libraries
#   lib/gpu-probe.jar  the probe (scripts/gpu-probe/GpuProbe.java)
#   jni/               DJL's CUDA JNI library (pytorch-jni's linux-x86_64/cu128/libdjl_torch.so)
#   run.sh             the launcher (scripts/gpu-run.sh)
#   diag/              the C++ ABI probe (scripts/gpu-probe/abi_probe.cpp, abi-probe.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$root/.bundle}"
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
for t in jlink jdeps javac jar; do
  [ -x "$java_home/bin/$t" ] || { echo "gpu-bundle: $java_home/bin/$t missing (need a JDK 17)" >&2; exit 2; }
done
command -v zip >/dev/null || { echo "gpu-bundle: 'zip' is needed" >&2; exit 2; }
"$java_home/bin/java" -version 2>&1 | grep -q '"17' || echo "gpu-bundle: warning: not JDK 17" >&2

# The platform-specific bits this bundle is for; DJL's pytorch-jni 2.7.1 jar has one CUDA build.
jni_entry="jnilib/linux-x86_64/cu128/libdjl_torch.so"
flavor=cu128

echo "gpu-bundle: building target/nclab.jar" >&2
(cd "$root" && { mvn -q -B -o -DskipTests package || mvn -q -B -DskipTests package; }) >&2
djl_version="$(sed -n 's:.*<djl.version>\(.*\)</djl.version>.*:\1:p' "$root/pom.xml")"

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
rm -rf "$dest"; mkdir -p "$dest/lib" "$dest/jni"

# nclab.jar minus natives: the CPU libtorch (pytorch/, native/) and every JNI build (jnilib/*/);
# jnilib/pytorch.properties stays (DJL reads the JNI version from it).
cp "$root/target/nclab.jar" "$work/nclab.jar"
unzip -p "$work/nclab.jar" "$jni_entry" >"$dest/jni/libdjl_torch.so"
unzip -p "$work/nclab.jar" jnilib/pytorch.properties >"$dest/jni/pytorch.properties"
zip -q -d "$work/nclab.jar" 'pytorch/*' 'native/*' 'jnilib/*/*' >/dev/null
# sqlite-jdbc's native library for every other platform (about 1 MB each; the GPU machine is Linux x86_64)
unzip -Z1 "$work/nclab.jar" 'org/sqlite/native/*' | grep -v '^org/sqlite/native/Linux/x86_64/' | grep -v '/$' \
  >"$work/sqlite-other" || true
if [ -s "$work/sqlite-other" ]; then zip -q -d "$work/nclab.jar" -@ <"$work/sqlite-other" >/dev/null; fi
mv "$work/nclab.jar" "$dest/lib/nclab.jar"
echo "$flavor" >"$dest/jni/FLAVOR"
echo "$djl_version" >"$dest/jni/DJL_VERSION"

# The probe.
mkdir -p "$work/probe"
"$java_home/bin/javac" --release 17 -nowarn -cp "$dest/lib/nclab.jar" -d "$work/probe" \
  "$root/scripts/gpu-probe/GpuProbe.java"
"$java_home/bin/jar" --create --file "$dest/lib/gpu-probe.jar" -C "$work/probe" .

# The Java runtime: the modules jdeps finds, minus java.desktop, plus those reached only by
# reflection (jdk.unsupported: sun.misc.Unsafe for JNA and Gson; jdk.zipfs). java.desktop (about
# 13 MiB) is only referenced by code nclab never runs: DJL's image/audio classes, JNA's AWT
# helpers, EJML's matrix viewer, and Jackson's optional java.beans support, which Jackson loads
# reflectively and skips when absent.
mods="$("$java_home/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps \
  -cp "$dest/lib/nclab.jar" "$dest/lib/nclab.jar" "$dest/lib/gpu-probe.jar")"
mods="$(echo "$mods,jdk.unsupported,jdk.zipfs" | tr ',' '\n' | grep -vx java.desktop | sort -u | paste -sd,)"
strip=()
command -v objcopy >/dev/null && strip=(--strip-native-debug-symbols=exclude-debuginfo-files)
"$java_home/bin/jlink" --add-modules "$mods" --strip-debug "${strip[@]}" --no-header-files \
  --no-man-pages --compress=2 --output "$dest/jre"

install -m 0755 "$root/scripts/gpu-run.sh" "$dest/run.sh"
# The ABI probe's sources (built there with g++, against the machine's torch headers).
mkdir -p "$dest/diag"
cp "$root/scripts/gpu-probe/abi_probe.cpp" "$dest/diag/"
install -m 0755 "$root/scripts/gpu-probe/abi-probe.sh" "$dest/diag/abi-probe.sh"

size="$(du -sm "$dest" | cut -f1)"
name="$(realpath --relative-to="$root" "$dest" 2>/dev/null || echo "$dest")"
cat <<EOF
gpu-bundle: $dest ready, ${size} MiB (modules: $mods)
  jre $(du -sh "$dest/jre" | cut -f1), nclab.jar $(du -sh "$dest/lib/nclab.jar" | cut -f1), JNI $(du -sh "$dest/jni/libdjl_torch.so" | cut -f1)

Bring the folder '$name' to the GPU machine (it must sit at the same path relative to the
directory the command runs in), then run there, from that directory:

  bash $name/run.sh diag; bash $name/run.sh probe

and nclab itself as 'bash $name/run.sh ARGS...' (the same ARGS as ./nclab).
EOF
