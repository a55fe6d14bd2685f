import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { DataError } from '../../src/data/errors.js';
import { countCharacters, loadCorpus, splitCorpus } from '../../src/text/corpus.js';
import {
  FORTUNES_DIR,
  loadFortuneDataset,
  parseFortunes,
  TEXT_DATASET_NAMES,
} from '../../src/text/fortunes.js';
import { firstInvalidUtf8 } from '../../src/text/utf8.js';
import { makeTempDir } from '../data/helpers.js';

const ESC = '\x1b';

/** A fortune file in the layout of fortunes-zh's tang300: coloured title and author lines. */
const POEMS = [
  `${ESC}[32m《静夜思》${ESC}[m`,
  `${ESC}[33m作者：李白${ESC}[m`,
  '床前明月光，疑是地上霜。',
  '举头望明月，低头思故乡。',
  '%',
  `${ESC}[32m《登鹳雀楼》${ESC}[m`,
  `${ESC}[33m作者：王之涣${ESC}[m`,
  '白日依山尽，黄河入海流。',
  '欲穷千里目，更上一层楼。',
  '%',
  '',
  '%',
  `plain entry with ${ESC}[1;33minline${ESC}[m colour`,
  '',
  '%',
].join('\n');

test('fortunes split at percent lines', () => {
  const entries = parseFortunes(POEMS);
  assert.deepEqual(entries, [
    '床前明月光，疑是地上霜。\n举头望明月，低头思故乡。',
    '白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。',
    'plain entry with inline colour',
  ]);
});

test('fortunes keep titles on request', () => {
  const entries = parseFortunes(POEMS, { keepHeaders: true });
  assert.equal(
    entries[0],
    '《静夜思》\n作者：李白\n床前明月光，疑是地上霜。\n举头望明月，低头思故乡。',
  );
  assert.ok(
    entries.every((entry) => !entry.includes(ESC)),
    'colour codes must be removed',
  );
});

test('fortunes accept CRLF line ends', () => {
  assert.deepEqual(parseFortunes('one\r\n%\r\ntwo\r\nlines\r\n%\r\n'), ['one', 'two\nlines']);
});

test('fortune data sets read a fortune folder', () => {
  const tmp = makeTempDir();
  try {
    writeFileSync(join(tmp.dir, 'tang300'), POEMS);
    writeFileSync(join(tmp.dir, 'tang300.dat'), Buffer.from([0, 0, 0, 2]));
    writeFileSync(join(tmp.dir, 'chinese'), '中文%\n');
    writeFileSync(join(tmp.dir, 'zippy'), 'Yow!\n%\nAre we having fun yet?\n');
    writeFileSync(join(tmp.dir, 'art'), 'An art entry.\n');
    writeFileSync(join(tmp.dir, 'art.dat'), Buffer.from([0, 1]));
    const poems = loadFortuneDataset('tang-poems', { dir: tmp.dir });
    assert.equal(poems.documents.length, 3);
    const english = loadFortuneDataset('fortunes', { dir: tmp.dir });
    assert.deepEqual(english.files, [join(tmp.dir, 'art'), join(tmp.dir, 'zippy')]);
    assert.deepEqual(english.documents, ['An art entry.', 'Yow!', 'Are we having fun yet?']);
    assert.throws(
      () => loadFortuneDataset('song-ci', { dir: tmp.dir }),
      /needs Debian's fortunes-zh package, but .*song100 was not found; install it/,
    );
  } finally {
    tmp.remove();
  }
});

const hasFortunesZh = existsSync(join(FORTUNES_DIR, 'tang300'));

test(
  'tang-poems from Debian',
  { skip: hasFortunesZh ? false : `Debian's fortunes-zh is not installed (${FORTUNES_DIR})` },
  () => {
    const corpus = loadCorpus('tang-poems');
    assert.equal(corpus.documentCount, 313);
    assert.ok(corpus.text.startsWith('兰叶春葳蕤，桂华秋皎洁。\n'), corpus.text.slice(0, 40));
    assert.ok(!corpus.text.includes(ESC));
    assert.ok(!corpus.text.includes('作者'), 'authors are dropped by default');
    const titled = loadCorpus('tang-poems', { keepTitles: true });
    assert.ok(titled.text.startsWith('《感遇・其一》\n作者：张九龄\n兰叶春葳蕤'));
    // Five- and seven-character half-lines dominate the corpus.
    const halves = corpus.text.split(/[，。？！；\n]/).filter((half) => half !== '');
    const regular = halves.filter((half) => half.length === 5 || half.length === 7).length;
    assert.ok(regular / halves.length > 0.9, `five/seven share ${regular / halves.length}`);
  },
);

test(
  'english fortunes from Debian',
  { skip: existsSync(join(FORTUNES_DIR, 'zippy')) ? false : "Debian's fortunes is not installed" },
  () => {
    const corpus = loadCorpus('fortunes');
    const names = corpus.files.map((file) => file.slice(FORTUNES_DIR.length + 1));
    assert.ok(names.includes('zippy'), 'zippy is missing');
    assert.ok(names.includes('fortunes'), 'fortunes is missing');
    for (const name of names) {
      assert.ok(!name.includes('.'), `${name} is an index or link, not a fortune file`);
      assert.ok(!['chinese', 'tang300', 'song100'].includes(name), `${name} is Chinese`);
    }
    assert.ok(corpus.documentCount > 10_000);
  },
);

test('unknown data set names the choices', () => {
  assert.throws(
    () => loadCorpus('tang-poetry'),
    (error: Error) => {
      assert.ok(error instanceof DataError);
      assert.ok(error.message.includes(TEXT_DATASET_NAMES.join(', ')), error.message);
      return true;
    },
  );
});

test('corpus reads a folder in path order', () => {
  const tmp = makeTempDir();
  try {
    mkdirSync(join(tmp.dir, 'b'));
    writeFileSync(join(tmp.dir, 'b', 'two.txt'), 'second\n\n\n');
    writeFileSync(join(tmp.dir, 'a.txt'), 'first');
    writeFileSync(join(tmp.dir, '.DS_Store'), Buffer.from([0, 1, 2]));
    writeFileSync(join(tmp.dir, 'blank.txt'), '  \n');
    const corpus = loadCorpus(tmp.dir);
    assert.equal(corpus.text, 'first\n\nsecond\n');
    assert.equal(corpus.documentCount, 2);
    assert.equal(corpus.files.length, 3, 'hidden files are skipped');
  } finally {
    tmp.remove();
  }
});

test('corpus rejects invalid UTF-8 with offset', () => {
  const tmp = makeTempDir();
  try {
    const path = join(tmp.dir, 'latin1.txt');
    writeFileSync(path, Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('!')]));
    assert.throws(
      () => loadCorpus(path),
      (error: Error) => {
        assert.ok(error instanceof DataError);
        assert.ok(error.message.includes(path), error.message);
        assert.match(error.message, /not valid UTF-8: invalid byte sequence at offset 3 \(e9 21\)/);
        return true;
      },
    );
  } finally {
    tmp.remove();
  }
});

test('corpus rejects binary files', () => {
  const tmp = makeTempDir();
  try {
    writeFileSync(join(tmp.dir, 'ok.txt'), 'fine');
    writeFileSync(join(tmp.dir, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]));
    assert.throws(
      () => loadCorpus(tmp.dir),
      /image\.png is a binary file \(NUL byte at offset 4\), not text/,
    );
  } finally {
    tmp.remove();
  }
});

test('corpus rejects empty text', () => {
  const tmp = makeTempDir();
  try {
    writeFileSync(join(tmp.dir, 'empty.txt'), '');
    assert.throws(() => loadCorpus(join(tmp.dir, 'empty.txt')), /contains no text/);
    mkdirSync(join(tmp.dir, 'none'));
    assert.throws(() => loadCorpus(join(tmp.dir, 'none')), /contains no files/);
  } finally {
    tmp.remove();
  }
});

test('utf8 check finds malformed sequences', () => {
  const cases: [number[], number][] = [
    [[0x61, 0x62], -1],
    [[0xe6, 0x98, 0x8e], -1],
    [[0xf0, 0x9f, 0x98, 0x80], -1],
    [[0x61, 0xc0, 0x80], 1],
    [[0xe0, 0x80, 0x80], 0],
    [[0xed, 0xa0, 0x80], 0],
    [[0xf4, 0x90, 0x80, 0x80], 0],
    [[0x61, 0xe6, 0x98], 1],
    [[0x80], 0],
  ];
  for (const [bytes, expected] of cases) {
    assert.equal(firstInvalidUtf8(Uint8Array.from(bytes)), expected, `bytes [${bytes}]`);
  }
});

test('split keeps the last fraction', () => {
  const text = 'line one\nline two\nline three\nline four\n';
  const { train, valid } = splitCorpus(text, 0.25);
  assert.equal(train + valid, text);
  assert.equal(valid, 'line four\n');
  const emoji = '😀'.repeat(10);
  const halves = splitCorpus(emoji, 0.5);
  assert.equal(countCharacters(halves.train) + countCharacters(halves.valid), 10);
  assert.ok(halves.valid.startsWith('😀'), 'the cut must not split a surrogate pair');
  assert.throws(() => splitCorpus(text, 1), /validation fraction must be in \(0, 1\)/);
});
