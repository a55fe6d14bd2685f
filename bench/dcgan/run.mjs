// Trains the tutorial's DCGAN in aigc and in PyTorch in one run and prints images/s of each
// and their ratio. Each side runs in its own process, alternating, `--rounds` times; the
// table reports the median round.
//
// Usage: node bench/dcgan/run.mjs [--steps 20] [--rounds 3] [--batch-size 256]
// Needs `npm run build` and Debian's python3-torch (imported from /usr/bin/python3).
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '256' },
  },
});
const threads = process.env.AIGC_NUM_THREADS ?? String(availableParallelism());
// Both sides get the settings that measured fastest here: one OpenMP thread per core, and a
// single-threaded OpenBLAS so the two pools do not compete for the cores.
const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', AIGC_NUM_THREADS: threads };
const common = ['--steps', values.steps, '--batch-size', values['batch-size']];

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  }
  return JSON.parse(result.stdout.trim().split('\n').at(-1));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours = [];
const peer = [];
for (let round = 0; round < Number(values.rounds); round++) {
  ours.push(run(process.execPath, [join(root, 'dist/bench/dcgan/dcgan.js'), ...common]));
  peer.push(
    run('/usr/bin/python3', [
      join(root, 'bench/dcgan/dcgan_torch.py'),
      ...common,
      '--threads',
      threads,
    ]),
  );
  console.error(
    `round ${round + 1}: aigc ${ours.at(-1).images_per_second.toFixed(1)} images/s, ` +
      `PyTorch ${peer.at(-1).images_per_second.toFixed(1)} images/s`,
  );
}
const a = median(ours.map((r) => r.images_per_second));
const p = median(peer.map((r) => r.images_per_second));
console.log(
  `DCGAN training, batch ${values['batch-size']}, ${threads} threads, median of ${values.rounds} rounds of ${values.steps} steps`,
);
console.log(
  `  aigc     ${a.toFixed(1)} images/s  (${((ours[0].batch_size / a) * 1000).toFixed(0)} ms/step, libtorch ${ours[0].torch})`,
);
console.log(
  `  PyTorch  ${p.toFixed(1)} images/s  (${((peer[0].batch_size / p) * 1000).toFixed(0)} ms/step, torch ${peer[0].torch})`,
);
console.log(`  ratio    ${(a / p).toFixed(3)} (aigc / PyTorch)`);
