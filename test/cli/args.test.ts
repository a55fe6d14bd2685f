import assert from 'node:assert/strict';
import { test } from 'node:test';

import { defaultRunFolder } from '../../src/cli/args.js';
import { runCli } from './helpers.js';

test('default run folder names', () => {
  const cases: [string, string][] = [
    ['fashion-mnist', 'runs/fashion-mnist-dcgan'],
    ['/tmp/photos', 'runs/photos-dcgan'],
    ['/tmp/photos/', 'runs/photos-dcgan'],
    ['./my data', 'runs/my-data-dcgan'],
    ['-odd', 'runs/odd-dcgan'],
    ['..', 'runs/data-dcgan'],
  ];
  for (const [data, expected] of cases) {
    assert.equal(defaultRunFolder(data, 'dcgan'), expected, `--data ${data}`);
  }
});

test('version flag prints package version', () => {
  const result = runCli(['--version']);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /^aigc \d+\.\d+\.\d+\n$/);
});
