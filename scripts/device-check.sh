#!/usr/bin/env bash
# Runs select, audit and verify on a GPU host, next to NVIDIA's own tools, and leaves every
# output in $RESULTS (default ./device-out). Expects a static build and the shared libraries it links
# in $BUNDLE (default .device): $BUNDLE/sglang-forge, $BUNDLE/lib/*.so*, and the runtime manifest
# of the variant to verify against in $BUNDLE/runtime.json (from `emit --backend tarball`).
# Prepare it with scripts/device-bundle.sh.
set -uo pipefail
bundle=${BUNDLE:-.device}
out=${RESULTS:-device-out}
mkdir -p "$out"
bundle=$(cd "$bundle" && pwd)
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
forge="$bundle/sglang-forge"
python=${PYTHON:-python3}
log() { echo "\$ $*"; "$@"; echo "[exit $?]"; }
{
  log nvidia-smi --query-gpu=index,name,driver_version,compute_cap --format=csv,noheader
  log ldd --version
  log "$forge" --version
} > "$out/host.txt" 2>&1
log "$forge" select specs/main.yaml > "$out/select.txt" 2>&1
"$forge" select specs/main.yaml --format json > "$out/select.json" 2>/dev/null
torch_lib=$("$python" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cuda.so"))')
site=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
prefix=$("$python" -c 'import sys; print(sys.prefix)')
{
  echo "torch: $("$python" -c 'import torch; print(torch.__version__, torch.version.cuda)')"
  echo "torch.cuda.get_arch_list(): $("$python" -c 'import torch; print(torch.cuda.get_arch_list())')"
  echo "libtorch_cuda.so: $torch_lib ($(du -h "$torch_lib" | cut -f1))"
  cat "$torch_lib" > /dev/null # warm the page cache for both tools
  s=$(date +%s%N); "$forge" audit "$torch_lib" > "$out/audit-libtorch_cuda.txt" 2>&1; e=$(date +%s%N)
  echo "sglang-forge audit: $(((e - s) / 1000000)) ms"
  s=$(date +%s%N); "$forge" audit --no-kernels "$torch_lib" > /dev/null 2>&1; e=$(date +%s%N)
  echo "sglang-forge audit --no-kernels: $(((e - s) / 1000000)) ms"
  if command -v cuobjdump > /dev/null; then
    s=$(date +%s%N); cuobjdump --list-elf "$torch_lib" > "$out/cuobjdump-list-elf.txt" 2>&1; e=$(date +%s%N)
    echo "cuobjdump --list-elf: $(((e - s) / 1000000)) ms ($(cuobjdump --version | tail -1))"
    s=$(date +%s%N); cuobjdump --list-elf --list-ptx "$torch_lib" > "$out/cuobjdump-list.txt" 2>&1; e=$(date +%s%N)
    echo "cuobjdump --list-elf --list-ptx: $(((e - s) / 1000000)) ms"
    echo "cuobjdump targets: $(grep -oE '\.sm_[0-9]+[af]?\.(cubin|ptx)' "$out/cuobjdump-list.txt" | sort | uniq -c | tr '\n' ' ')"
  fi
  tail -1 "$out/audit-libtorch_cuda.txt"
} > "$out/audit.txt" 2>&1
"$forge" audit --format json "$torch_lib" > "$out/audit-libtorch_cuda.json" 2>&1
{
  echo "prefix: $prefix, site-packages: $site"
  s=$(date +%s%N)
  log "$forge" verify "$prefix" --manifest "$bundle/runtime.json"
  e=$(date +%s%N); echo "verify: $(((e - s) / 1000000)) ms"
} > "$out/verify.txt" 2>&1
"$forge" verify "$prefix" --manifest "$bundle/runtime.json" --format json > "$out/verify.json" 2>&1
"$forge" verify "$prefix" --manifest "$bundle/runtime.json" --closure specs/main.closure.txt > "$out/verify-closure.txt" 2>&1
ls -la "$out"
