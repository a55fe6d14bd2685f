// Shared steps of the engine benchmark scripts: bring the compiled benchmarks up to date, run one
// benchmark process and parse its JSON line, and reduce repeated rounds to a median.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const nativeBench = join(root, 'build/bench/matmul_native');

const ADDON = join(root, 'build/Release/aigc_native.node');
const TS_BENCHES = ['matmul', 'conv', 'elementwise'];

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true })) {
    if (String(entry).endsWith('.ts')) newest = Math.max(newest, mtime(join(dir, String(entry))));
  }
  return newest;
}

function fail(message) {
  console.error(`bench/engine: ${message}`);
  process.exit(1);
}

// tsc also compiles src/ and test/, and an error in any of their files makes it exit non-zero
// although it still writes every output. So only a missing or stale benchmark output is fatal.
function buildTypeScript() {
  const outputs = TS_BENCHES.map((name) => join(root, `dist/bench/engine/${name}.js`));
  const sources = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'bench')));
  const isStale = () => outputs.some((path) => mtime(path) < sources);
  if (!isStale()) return;
  console.error('bench/engine: compiling TypeScript (tsc -p tsconfig.json)');
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (isStale()) fail(`tsc did not produce the benchmarks:\n${result.stdout}${result.stderr}`);
  if (result.status !== 0) {
    console.error(`bench/engine: tsc reported errors outside the benchmarks:\n${result.stdout}`);
  }
}

function buildNativeBench() {
  const script = join(root, 'bench/engine/build-native-bench.sh');
  const source = join(root, 'bench/engine/matmul_native.cc');
  if (mtime(nativeBench) >= Math.max(mtime(source), mtime(script))) return;
  console.error('bench/engine: building the C++ baseline (bench/engine/build-native-bench.sh)');
  const result = spawnSync('bash', [script], { stdio: ['ignore', 2, 2] });
  if (result.status !== 0) fail(`build-native-bench.sh exited with status ${result.status}`);
}

/** Compiles the TypeScript benchmarks and builds the C++ baseline when their sources changed. */
export function ensureBuilt({ native = true } = {}) {
  if (!existsSync(ADDON)) {
    fail(`the native addon is missing at ${ADDON}; run \`npm run build:native\` first`);
  }
  buildTypeScript();
  if (native) buildNativeBench();
}

/** Builds the environment of a benchmark run, with aigc's default of one OpenBLAS thread. */
export function benchEnv(overrides = {}) {
  return {
    ...process.env,
    OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? '1',
    ...overrides,
  };
}

/** Runs a compiled TypeScript benchmark (`matmul`, `conv`, ...) and returns its JSON line. */
export function runTsBench(name, args = [], env = benchEnv()) {
  return runJson(process.execPath, [join(root, `dist/bench/engine/${name}.js`), ...args], env);
}

/** Runs the C++ baseline and returns its parsed JSON line. */
export function runNativeBench(args = [], env = benchEnv()) {
  return runJson(nativeBench, args, env);
}

function runJson(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, env, encoding: 'utf8' });
  if (result.status !== 0) {
    fail(`${command} ${args.join(' ')} exited with status ${result.status}:\n${result.stderr}`);
  }
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Formats the smallest and largest of `values`, e.g. `91.0-101.2`. */
export function formatRange(values, digits) {
  return `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
}

/** Formats the median of per-round values with their range, e.g. `98.3 (91.0-101.2)`. */
export function medianWithRange(values, digits) {
  const middle = median(values).toFixed(digits);
  return values.length > 1 ? `${middle} (${formatRange(values, digits)})` : middle;
}

/** Formats the 1, 5 and 15 minute load averages, which the scripts print before and after a run. */
export function loadAverage() {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(', ');
}

/** Prints rows as a table with left-aligned columns separated by two spaces. */
export function printTable(header, rows) {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => row[i].length)),
  );
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
  }
}
