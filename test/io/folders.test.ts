import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { makeFolder } from '../../src/io/folders.js';

const folder = mkdtempSync(join(tmpdir(), 'aigc-folders-'));
after(() => rmSync(folder, { recursive: true, force: true }));

test('makeFolder creates nested folders', () => {
  const path = join(folder, 'a', 'b', 'c');
  makeFolder(path);
  assert.ok(statSync(path).isDirectory());
  makeFolder(path);
  assert.ok(statSync(path).isDirectory(), 'a second call leaves the folder in place');
});

test('makeFolder under a file', () => {
  const file = join(folder, 'file');
  writeFileSync(file, 'x');
  assert.throws(() => makeFolder(join(file, 'sub')), /file exists and is not a folder/);
});

test('makeFolder under /proc fails', { skip: !existsSync('/proc/self'), timeout: 10_000 }, () => {
  assert.throws(() => makeFolder('/proc/aigc-test-run/samples'), { code: 'ENOENT' });
});
