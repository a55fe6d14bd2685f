#!/usr/bin/env bash
# Prepares a machine to build, test and run aigc. Idempotent: each step checks first and
# does nothing when its result is already in place.
#
#   1. Debian packages: libtorch, an optimised BLAS, the compiler tools, the data sets, and
#      PyTorch for the benchmarks' peer runs. Skipped for libtorch when LIBTORCH is set.
#   2. npm ci, when node_modules does not match package-lock.json.
#   3. The native addon (incremental) and the TypeScript build.
set -euo pipefail

cd "$(dirname "$0")/.."
say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# libopenblas0-pthread replaces the reference BLAS that libtorch would otherwise load through
# libblas.so.3, which makes convolutions about ten times slower.
packages=(g++ make python3 clang-format libopenblas0-pthread dataset-fashion-mnist fortunes-zh fortunes
  python3-torch)
if [[ -z "${LIBTORCH:-}" ]]; then packages+=(libtorch-dev); fi

install_packages() {
  local missing=()
  for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    say "Debian packages present: ${packages[*]}"
    return
  fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || fail "missing packages ${missing[*]}; install them as root"
    sudo=(sudo)
  fi
  say "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq || fail "apt-get update failed; check the package sources"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed"
}

if command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
  install_packages
else
  say "not a Debian system: install libtorch (or set LIBTORCH), OpenBLAS and a C++17 compiler yourself"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
[[ $node_major -ge 20 ]] || fail "Node.js 20 or newer is required, found $(node --version)"

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.aigc-lock-sha256
if [[ -f $stamp && $(cat "$stamp") == "$lock_hash" ]]; then
  say "node_modules matches package-lock.json"
  node scripts/build-native.mjs | grep -E '^aigc:|error' || true
else
  say "running npm ci (this also builds the native addon)"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi
[[ -f build/Release/aigc_native.node ]] || fail "the native addon did not build; see the output above"

say "compiling TypeScript"
npx tsc -p tsconfig.json
node -e "import('./dist/src/index.js').then(m => { const c = m.config();
  console.log('setup: ready: libtorch ' + c.torchVersion + ', ' + c.threads + ' threads, ' +
    (c.openblas ? 'OpenBLAS' : 'BLAS without OpenBLAS (slow)') + (c.cuda ? ', CUDA' : ', CPU only')) })"
