// Locates libtorch for binding.gyp and prints one field of what it found.
//
// Search order: LIBTORCH (the root of an official libtorch archive, with include/ and lib/),
// then LIBTORCH_INCLUDE plus LIBTORCH_LIB, then the system paths that Debian's libtorch-dev uses.
// Usage: node scripts/find-libtorch.mjs include|lib|abi|cuda|describe
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DEBIAN_INCLUDE = '/usr/include';
const DEBIAN_LIB = '/usr/lib/x86_64-linux-gnu';

function fromArchive(root) {
  return {
    source: `LIBTORCH=${root}`,
    include: [join(root, 'include'), join(root, 'include/torch/csrc/api/include')],
    lib: join(root, 'lib'),
    cmake: join(root, 'share/cmake/Torch/TorchConfig.cmake'),
  };
}

function locate() {
  const env = process.env;
  if (env.LIBTORCH) return fromArchive(env.LIBTORCH);
  if (env.LIBTORCH_INCLUDE && env.LIBTORCH_LIB) {
    return {
      source: 'LIBTORCH_INCLUDE and LIBTORCH_LIB',
      include: [env.LIBTORCH_INCLUDE, join(env.LIBTORCH_INCLUDE, 'torch/csrc/api/include')],
      lib: env.LIBTORCH_LIB,
      cmake: join(env.LIBTORCH_LIB, 'cmake/Torch/TorchConfig.cmake'),
    };
  }
  return {
    source: 'system paths',
    include: [DEBIAN_INCLUDE, join(DEBIAN_INCLUDE, 'torch/csrc/api/include')],
    lib: DEBIAN_LIB,
    cmake: join(DEBIAN_LIB, 'cmake/Torch/TorchConfig.cmake'),
  };
}

function check(found) {
  const header = join(found.include[0], 'ATen/ATen.h');
  const library = join(found.lib, 'libtorch_cpu.so');
  const missing = [header, library].filter((path) => !existsSync(path));
  if (missing.length > 0) {
    console.error(
      `aigc: libtorch not found via ${found.source}: missing ${missing.join(', ')}.\n` +
        "Install Debian's libtorch-dev (apt-get install libtorch-dev), or set LIBTORCH to the " +
        'folder of an unpacked libtorch archive (it contains include/ and lib/).',
    );
    process.exit(1);
  }
}

// The C++11 ABI flag must match the one libtorch was built with, or linking fails on
// std::string symbols. TorchConfig.cmake records it; Debian's build uses the new ABI.
function abiFlag(found) {
  if (existsSync(found.cmake)) {
    const match = /_GLIBCXX_USE_CXX11_ABI=([01])/.exec(readFileSync(found.cmake, 'utf8'));
    if (match) return match[1];
  }
  return '1';
}

const found = locate();
check(found);
const hasCuda = existsSync(join(found.lib, 'libtorch_cuda.so'));
const field = process.argv[2];
if (field === 'include') console.log(found.include.join(' '));
else if (field === 'lib') console.log(found.lib);
else if (field === 'abi') console.log(abiFlag(found));
else if (field === 'cuda') console.log(hasCuda ? '1' : '0');
else if (field === 'describe') {
  console.log(
    `libtorch from ${found.source}: include ${found.include[0]}, lib ${found.lib}, ` +
      `C++11 ABI ${abiFlag(found)}, CUDA library ${hasCuda ? 'present' : 'absent'}`,
  );
} else {
  console.error('usage: node scripts/find-libtorch.mjs include|lib|abi|cuda|describe');
  process.exit(2);
}
