// Trains and samples the same GPT in aigc and in PyTorch in one run, and prints training
// tokens/s, generation tokens/s (with a key-value cache on both sides) and the ratios. Each side
// runs in its own process, alternating, `--rounds` times; the table reports the median round.
//
// Usage: node bench/gpt/run.mjs [--steps 20] [--rounds 3] [--batch-size 16] [--context 128]
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
    'batch-size': { type: 'string', default: '16' },
    context: { type: 'string', default: '128' },
  },
});
const threads = process.env.AIGC_NUM_THREADS ?? String(availableParallelism());
// Both sides: one OpenMP thread per core, and a single-threaded OpenBLAS so that the two
// thread pools do not compete for the cores.
const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', AIGC_NUM_THREADS: threads };
const common = [
  '--steps',
  values.steps,
  '--batch-size',
  values['batch-size'],
  '--context',
  values.context,
];

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
  ours.push(run(process.execPath, [join(root, 'dist/bench/gpt/gpt.js'), ...common]));
  peer.push(
    run('/usr/bin/python3', [
      join(root, 'bench/gpt/gpt_torch.py'),
      ...common,
      '--threads',
      threads,
    ]),
  );
  const [a, p] = [ours.at(-1), peer.at(-1)];
  console.error(
    `round ${round + 1}: training aigc ${a.train_tokens_per_second.toFixed(0)}, PyTorch ` +
      `${p.train_tokens_per_second.toFixed(0)} tokens/s; generation aigc ` +
      `${a.generate_tokens_per_second.toFixed(1)}, PyTorch ${p.generate_tokens_per_second.toFixed(1)} tokens/s`,
  );
}
const row = (name, key) => {
  const a = median(ours.map((r) => r[key]));
  const p = median(peer.map((r) => r[key]));
  return `  ${name.padEnd(22)} aigc ${a.toFixed(1).padStart(9)}  PyTorch ${p.toFixed(1).padStart(9)}  ratio ${(a / p).toFixed(3)}`;
};
const first = ours[0];
console.log(
  `GPT ${first.parameters.toLocaleString('en-US')} parameters (4 layers, 4 heads, width 128, ` +
    `vocabulary 2048), context ${values.context}, ${threads} threads, median of ${values.rounds} rounds ` +
    `(libtorch ${first.torch}, torch ${peer[0].torch})`,
);
console.log(row(`training tokens/s (batch ${values['batch-size']})`, 'train_tokens_per_second'));
console.log(row('generation tokens/s', 'generate_tokens_per_second'));
console.log(
  '  ratio: aigc / PyTorch; generation: batch 1, 16-token prompt, 112 new tokens, top-k 40',
);
