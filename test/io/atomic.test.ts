import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { AtomicWriteError, writeFileAtomic, writeFileAtomicSync } from '../../src/io/atomic.js';

const root = mkdtempSync(join(tmpdir(), 'aigc-atomic-'));
after(() => rmSync(root, { recursive: true, force: true }));

let folderCount = 0;

/** Creates an empty folder per test, so listing it shows exactly what the write left behind. */
function freshFolder(): string {
  const folder = join(root, String(folderCount++));
  mkdirSync(folder);
  return folder;
}

type Write = (path: string, data: Uint8Array | string) => Promise<void>;

/** Both functions. The sync one is wrapped so the same assertions cover its throws. */
const WRITERS: [string, Write][] = [
  ['writeFileAtomic', writeFileAtomic],
  ['writeFileAtomicSync', async (path, data) => writeFileAtomicSync(path, data)],
];

async function assertWriteFails(
  write: Write,
  path: string,
  data: Uint8Array | string,
  code: string | undefined,
  message: RegExp,
): Promise<void> {
  await assert.rejects(write(path, data), (error: unknown) => {
    assert.ok(error instanceof AtomicWriteError, `expected an AtomicWriteError, got ${error}`);
    assert.equal(error.path, path);
    assert.equal(error.code, code);
    assert.ok(error.message.startsWith(`failed to write ${path}: `), error.message);
    assert.match(error.message, message);
    return true;
  });
}

for (const [name, write] of WRITERS) {
  describe(name, () => {
    test('writes bytes to a new file', async () => {
      const folder = freshFolder();
      const path = join(folder, 'weights.bin');
      await write(path, new Uint8Array([1, 2, 3, 255]));
      assert.deepEqual([...readFileSync(path)], [1, 2, 3, 255]);
      assert.deepEqual(readdirSync(folder), ['weights.bin']);
    });

    test('writes a string as UTF-8', async () => {
      const folder = freshFolder();
      const path = join(folder, 'config.json');
      await write(path, '{"note":"ü"}\n');
      assert.equal(readFileSync(path, 'utf8'), '{"note":"ü"}\n');
    });

    test('replaces an existing file', async () => {
      const folder = freshFolder();
      const path = join(folder, 'metrics.jsonl');
      writeFileSync(path, 'old content that is longer than the new one');
      await write(path, 'new');
      assert.equal(readFileSync(path, 'utf8'), 'new');
      assert.deepEqual(readdirSync(folder), ['metrics.jsonl']);
    });

    test('writes an empty file', async () => {
      const folder = freshFolder();
      const path = join(folder, 'empty');
      await write(path, new Uint8Array(0));
      assert.equal(readFileSync(path).length, 0);
    });

    test('concurrent writes leave one whole file', async () => {
      const folder = freshFolder();
      const path = join(folder, 'samples.png');
      const contents = Array.from({ length: 8 }, (_, i) => `${i}`.repeat(10_000));
      await Promise.all(contents.map((content) => write(path, content)));
      assert.ok(contents.includes(readFileSync(path, 'utf8')));
      assert.deepEqual(readdirSync(folder), ['samples.png']);
    });

    test('parent that is a regular file', async () => {
      const folder = freshFolder();
      const blocker = join(folder, 'runs');
      writeFileSync(blocker, 'a file where a folder should be');
      const path = join(blocker, 'config.json');
      await assertWriteFails(
        write,
        path,
        'data',
        'ENOTDIR',
        /a part of .*runs is a file, not a folder; choose another --out folder/,
      );
      assert.deepEqual(readdirSync(folder), ['runs']);
      assert.equal(readFileSync(blocker, 'utf8'), 'a file where a folder should be');
    });

    test('missing folder', async () => {
      const folder = freshFolder();
      const path = join(folder, 'missing', 'config.json');
      await assertWriteFails(
        write,
        path,
        'data',
        'ENOENT',
        /the folder .*missing does not exist; create it or choose another --out folder/,
      );
      assert.deepEqual(readdirSync(folder), []);
    });

    test('target that is a folder', async () => {
      // The temporary file is written before rename fails, so this checks its removal.
      const folder = freshFolder();
      const path = join(folder, 'checkpoint');
      mkdirSync(path);
      writeFileSync(join(path, 'kept.txt'), 'kept');
      await assertWriteFails(write, path, 'data', 'EISDIR', /checkpoint is a folder/);
      assert.deepEqual(readdirSync(folder), ['checkpoint']);
      assert.equal(readFileSync(join(path, 'kept.txt'), 'utf8'), 'kept');
    });

    test('failure after the temporary file keeps the old file', async () => {
      const folder = freshFolder();
      const path = join(folder, 'weights.safetensors');
      writeFileSync(path, 'previous weights');
      // Data of the wrong type makes the write fail after the temporary file exists.
      const invalid = 42 as unknown as string;
      await assertWriteFails(write, path, invalid, 'ERR_INVALID_ARG_TYPE', /"data" argument/);
      assert.equal(readFileSync(path, 'utf8'), 'previous weights');
      assert.deepEqual(readdirSync(folder), ['weights.safetensors']);
    });

    const isRoot = process.getuid?.() === 0;
    test(
      'read-only folder',
      { skip: isRoot ? 'root writes into read-only folders, so chmod cannot block it' : false },
      async () => {
        const folder = freshFolder();
        const path = join(folder, 'config.json');
        writeFileSync(path, 'previous');
        chmodSync(folder, 0o555);
        try {
          await assertWriteFails(
            write,
            path,
            'new',
            'EACCES',
            /the folder .* is not writable \(EACCES\); choose another --out folder/,
          );
        } finally {
          chmodSync(folder, 0o755);
        }
        assert.equal(readFileSync(path, 'utf8'), 'previous');
        assert.deepEqual(readdirSync(folder), ['config.json']);
      },
    );
  });
}
