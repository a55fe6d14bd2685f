import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { encodeIdx } from '../../src/data/idx.js';
import { saveTensors } from '../../src/io/tensors.js';
import { tensor } from '../../src/index.js';
import { makeTempDir } from '../data/helpers.js';
import { runCli } from './helpers.js';

function writePair(dir: string, images: number, labels: number): void {
  const pixels = new Uint8Array(images * 64).fill(128);
  writeFileSync(
    join(dir, 'train-images-idx3-ubyte.gz'),
    encodeIdx(pixels, [images, 8, 8], { gzip: true }),
  );
  writeFileSync(
    join(dir, 'train-labels-idx1-ubyte.gz'),
    encodeIdx(new Uint8Array(labels), [labels], { gzip: true }),
  );
}

/** Runs `aigc train dcgan` for a step and checks it failed with `pattern`, leaving no checkpoint. */
function expectTrainFailure(args: string[], pattern: RegExp, out: string): void {
  const result = runCli(['train', 'dcgan', '--steps', '1', '--out', out, ...args]);
  assert.notEqual(result.status, 0, `expected failure, got success:\n${result.stdout}`);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'the message must not carry a stack trace');
  assert.ok(!existsSync(out), `a failed start must not create the run folder ${out}`);
}

test('train rejects bad data', () => {
  const tmp = makeTempDir();
  try {
    const out = join(tmp.dir, 'out');
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['missing', () => {}, /not found/],
      [
        'corrupt gzip',
        (dir) => {
          writePair(dir, 16, 16);
          writeFileSync(
            join(dir, 'train-images-idx3-ubyte.gz'),
            Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]),
          );
        },
        /gzip/i,
      ],
      [
        'truncated idx',
        (dir) => {
          writePair(dir, 16, 16);
          const full = encodeIdx(new Uint8Array(16 * 64), [16, 8, 8]);
          writeFileSync(
            join(dir, 'train-images-idx3-ubyte.gz'),
            gzipSync(full.subarray(0, full.length - 10)),
          );
        },
        /truncated/i,
      ],
      ['count mismatch', (dir) => writePair(dir, 16, 12), /16.*12|12.*16/],
      ['empty folder', () => {}, /empty|no .*image/i],
      [
        'unnamed idx',
        (dir) => {
          const idx = encodeIdx(new Uint8Array(16 * 64), [16, 8, 8], { gzip: true });
          writeFileSync(join(dir, 'my-images.gz'), idx);
        },
        /contains the IDX images file my-images\.gz.*pass the file itself \(--data .*my-images\.gz\)/,
      ],
    ];
    for (const [name, setup, pattern] of cases) {
      const dir = join(tmp.dir, name.replace(/ /g, '-'));
      if (name !== 'missing') {
        mkdirSync(dir);
        setup(dir);
      }
      expectTrainFailure(
        ['--data', dir, '--batch-size', '4'],
        pattern,
        join(out, name.replace(/ /g, '-')),
      );
    }
  } finally {
    tmp.remove();
  }
});

test('train rejects bad options', () => {
  const tmp = makeTempDir();
  try {
    const out = join(tmp.dir, 'out');
    expectTrainFailure(['--data', 'imagenet'], /unknown dataset 'imagenet'.*fashion-mnist/, out);
    expectTrainFailure(
      ['--data', 'fashion-mnist', '--batch-size', '-3'],
      /--batch-size must be an integer of at least 1, got '-3'/,
      out,
    );
    expectTrainFailure(
      ['--data', 'fashion-mnist', '--batch-size', '0'],
      /--batch-size must be an integer/,
      out,
    );
    expectTrainFailure(
      ['--data', 'fashion-mnist', '--lr', 'fast'],
      /--lr must be a positive number, got 'fast'/,
      out,
    );
    expectTrainFailure(
      ['--data', 'fashion-mnist', '--device', 'tpu'],
      /--device must be cpu, cuda or cuda:N/,
      out,
    );
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const result = runCli([
      'train',
      'dcgan',
      '--data',
      'fashion-mnist',
      '--steps',
      '1',
      '--out',
      join(file, 'run'),
    ]);
    assert.notEqual(result.status, 0);
    assert.match(
      result.stderr,
      /cannot write the run folder .*a-file\/run.*choose another folder with --out/,
    );
  } finally {
    tmp.remove();
  }
});

test('generate rejects bad requests', async () => {
  const tmp = makeTempDir();
  try {
    const foreign = join(tmp.dir, 'vae.safetensors');
    await saveTensors(
      foreign,
      { 'model.vae.fc.weight': tensor([[1, 2]]) },
      {
        aigc: JSON.stringify({
          format: 1,
          kind: 'vae',
          config: {},
          training: {},
          progress: {},
          optimizers: {},
        }),
      },
    );
    let result = runCli(['generate', '--checkpoint', foreign, '--out', join(tmp.dir, 'x.png')]);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /contains a vae model; generate supports dcgan, gpt and lstm/);
    result = runCli(['generate', '--checkpoint', join(tmp.dir, 'nowhere')]);
    assert.match(result.stderr, /checkpoint not found: .*nowhere/);
    result = runCli(['generate', '--checkpoint', foreign, '--count', '0']);
    assert.notEqual(result.status, 0);
    assert.match(
      result.stderr,
      /--count must be an integer of at least 1, got '0'|contains a gpt model/,
    );
    const plain = join(tmp.dir, 'plain.safetensors');
    await saveTensors(plain, { w: tensor([1]) });
    result = runCli(['generate', '--checkpoint', plain]);
    assert.match(result.stderr, /without aigc metadata/);
  } finally {
    tmp.remove();
  }
});

test('generate rejects bad output paths', async () => {
  const tmp = makeTempDir();
  try {
    // Output paths are checked before the weights are read, so metadata alone is enough here.
    const checkpoint = join(tmp.dir, 'dcgan.safetensors');
    const meta = { format: 1, kind: 'dcgan', config: {}, training: {}, progress: {} };
    await saveTensors(
      checkpoint,
      { w: tensor([1]) },
      { aigc: JSON.stringify({ ...meta, optimizers: {} }) },
    );
    const file = join(tmp.dir, 'taken');
    writeFileSync(file, 'not a folder');
    const used = join(tmp.dir, 'used');
    mkdirSync(used);
    writeFileSync(join(used, '00000.png'), 'an earlier image');
    const cases: [string[], RegExp][] = [
      [['--out', join(tmp.dir, 's.jpg')], /s\.jpg: aigc writes PNG images only; .*\.png/],
      [['--out', tmp.dir], /is a folder; name a \.png file/],
      [
        ['--out', join(tmp.dir, 'grid.png'), '--separate', file],
        /--separate .*taken is a file, not a folder/,
      ],
      [
        ['--out', join(tmp.dir, 'grid.png'), '--separate', used],
        /--separate .*used already contains 1 numbered image \(00000\.png, \.\.\.\)/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const result = runCli(['generate', '--checkpoint', checkpoint, ...args]);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
    }
    assert.ok(!existsSync(join(tmp.dir, 's.jpg')));
    assert.ok(!existsSync(join(tmp.dir, 'grid.png')), 'no grid is written when --separate fails');
  } finally {
    tmp.remove();
  }
});

test('help lists commands and defaults', () => {
  const top = runCli(['--help']);
  assert.equal(top.status, 0);
  assert.match(top.stdout, /train MODEL/);
  assert.match(top.stdout, /generate/);
  const train = runCli(['train', 'dcgan', '--help']);
  assert.equal(train.status, 0);
  assert.match(train.stdout, /--batch-size N\s+images per step \(default 256\)/);
  assert.match(train.stdout, /--epochs N\s+passes over the training data \(default 50\)/);
  const generate = runCli(['generate', '--help']);
  assert.match(generate.stdout, /--count N/);
  const unknown = runCli(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});

test('resume keeps the run settings', () => {
  const tmp = makeTempDir();
  try {
    const out = join(tmp.dir, 'run');
    const first = runCli([
      'train',
      'dcgan',
      '--data',
      'fashion-mnist',
      '--steps',
      '1',
      '--batch-size',
      '8',
      '--out',
      out,
    ]);
    assert.equal(first.status, 0, first.stderr);
    const resumed = runCli(['train', 'dcgan', '--resume', '--out', out, '--steps', '2']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /batch 8,/);
    assert.match(resumed.stdout, /resuming at epoch 1, step 1/);

    const again = runCli(['train', 'dcgan', '--data', 'fashion-mnist', '--out', out]);
    assert.equal(again.status, 3, again.stderr);
    assert.match(again.stderr, /already contains a run .*pass --resume/);
    const wrongKind = runCli(['train', 'gpt', '--data', 'tang-poems', '--resume', '--out', out]);
    assert.equal(wrongKind.status, 3, wrongKind.stderr);
    assert.match(
      wrongKind.stderr,
      /contains a dcgan model, but this command needs a checkpoint of kind gpt/,
    );
  } finally {
    tmp.remove();
  }
});
