// Runs every compiled test file under dist/test with Node's built-in test runner.
// Usage: node scripts/run-tests.mjs [filter]  (filter: a substring of the test file paths)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testRoot = join(root, 'dist/test');
if (!existsSync(testRoot)) {
  console.error('aigc: dist/test is missing; run `npm run build` first');
  process.exit(1);
}

const filter = process.argv[2] ?? '';
const files = readdirSync(testRoot, { recursive: true })
  .map((entry) => join(testRoot, String(entry)))
  .filter((path) => path.endsWith('.test.js') && relative(root, path).includes(filter))
  .sort();
if (files.length === 0) {
  console.error(`aigc: no test files match '${filter}'`);
  process.exit(1);
}

// One file at a time: each file trains small models on both cores, and running two at once
// would only make both slower and their memory checks noisier.
const result = spawnSync(
  process.execPath,
  ['--expose-gc', '--test', '--test-concurrency=1', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
