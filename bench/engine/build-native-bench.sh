#!/usr/bin/env bash
# Builds the C++ baseline of the engine benchmark, build/bench/matmul_native, against the same
# libtorch that the addon uses (located by scripts/find-libtorch.mjs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
find_libtorch() { node "$root/scripts/find-libtorch.mjs" "$1"; }

read -r -a include_dirs <<<"$(find_libtorch include)"
lib_dir="$(find_libtorch lib)"
abi="$(find_libtorch abi)"

mkdir -p "$root/build/bench"
flags=(-O2 -std=c++17 "-D_GLIBCXX_USE_CXX11_ABI=$abi")
for dir in "${include_dirs[@]}"; do flags+=("-I$dir"); done

# --no-as-needed keeps libtorch.so linked although the bench calls no symbol from it directly.
g++ "${flags[@]}" "$root/bench/engine/matmul_native.cc" -o "$root/build/bench/matmul_native" \
  "-L$lib_dir" "-Wl,-rpath,$lib_dir" -Wl,--no-as-needed -lc10 -ltorch_cpu -ltorch -Wl,--as-needed \
  -ldl
echo "built $root/build/bench/matmul_native"
