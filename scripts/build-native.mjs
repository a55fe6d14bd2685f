// Builds the native addon incrementally: configures once, then lets make rebuild only what
// changed. Runs from `npm install`/`npm ci` and from scripts/setup.sh.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function nodeGypCommand() {
  const local = join(root, 'node_modules/node-gyp/bin/node-gyp.js');
  if (existsSync(local)) return [process.execPath, local];
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp];
  return ['node-gyp'];
}

// Node's own headers sit beside its executable in most installs (Debian's nodejs, the official
// tarballs). Pointing node-gyp at them avoids its download of the headers, which fails offline.
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, 'include/node/node_api.h'))) return [`--nodedir=${prefix}`];
  return [];
}

function run(args) {
  const [command, ...prefix] = nodeGypCommand();
  const result = spawnSync(command, [...prefix, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`aigc: native build failed: node-gyp ${args.join(' ')} exited ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

const describe = spawnSync(
  process.execPath,
  [join(root, 'scripts/find-libtorch.mjs'), 'describe'],
  {
    encoding: 'utf8',
  },
);
if (describe.status !== 0) {
  process.stderr.write(describe.stderr);
  process.exit(1);
}
console.log(`aigc: ${describe.stdout.trim()}`);
// Configuring is cheap, and make tracks each object's command line, so a changed libtorch
// location or flag rebuilds exactly the objects it affects.
// node-gyp's 'gyp info' lines repeat on every set-up, so only its warnings and errors show.
run(['configure', '--loglevel=warn', ...nodedirArgs()]);
run(['build', '--loglevel=warn', '-j', String(availableParallelism())]);
