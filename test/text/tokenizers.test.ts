import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TokenizerError, tokenizerFromJson, trainTokenizer } from '../../src/text/tokenizer.js';
import { BpeTokenizer, splitChunks } from '../../src/text/tokenizer-bpe.js';
import { CharTokenizer } from '../../src/text/tokenizer-char.js';
import { Xoshiro128 } from '../../src/data/batches.js';

const MIXED = [
  '床前明月光，疑是地上霜。',
  'Emoji: 😀👍🏽 and a family 👨‍👩‍👧 (ZWJ sequence).',
  'Combining marks: e\u0301, n\u0303, a\u030a\u0323; precomposed: é ñ å.',
  'Astral CJK: 𠀀𠮷𪚥, Greek αβγ, Cyrillic жизнь, Arabic سلام, Hindi नमस्ते.',
  'Whitespace:\ttabs\r\nCRLF  double  spaces\n\n',
].join('\n');

/** Code point ranges that random strings draw from: ASCII, Latin, combining marks, CJK, astral. */
const RANGES: [number, number][] = [
  [0x20, 0x7e],
  [0x09, 0x0a],
  [0xa0, 0x24f],
  [0x300, 0x36f],
  [0x4e00, 0x9fff],
  [0xac00, 0xd7a3],
  [0xe000, 0xf8ff],
  [0x1f300, 0x1faff],
  [0x20000, 0x2a6df],
  [0x10fff0, 0x10ffff],
];

/** Returns a random well-formed string of `length` code points (no lone surrogates). */
function randomText(random: Xoshiro128, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    const [low, high] = RANGES[random.nextBelow(RANGES.length)]!;
    text += String.fromCodePoint(low + random.nextBelow(high - low + 1));
  }
  return text;
}

test('char tokenizer round-trips mixed scripts', () => {
  const tokenizer = CharTokenizer.fromText(MIXED);
  const ids = tokenizer.encode(MIXED);
  assert.equal(ids.length, [...MIXED].length, 'one token per code point');
  assert.equal(tokenizer.decode(ids), MIXED);
});

test('char tokenizer keeps surrogate pairs whole', () => {
  const text = '😀𠮷a😀';
  const tokenizer = CharTokenizer.fromText(text);
  assert.deepEqual([...tokenizer.vocab], ['a', '😀', '𠮷']);
  assert.ok(tokenizer.vocab.every((char) => [...char].length === 1));
  const ids = tokenizer.encode(text);
  assert.equal(ids.length, 4);
  const decoder = tokenizer.createStreamDecoder();
  const pieces = Array.from(ids, (id) => decoder.push(id));
  assert.deepEqual(pieces, ['😀', '𠮷', 'a', '😀']);
});

test('char tokenizer lists unknown characters', () => {
  const tokenizer = CharTokenizer.fromText('明月光');
  assert.throws(
    () => tokenizer.encode('明月x光😀x'),
    (error: Error) => {
      assert.ok(error instanceof TokenizerError);
      assert.match(error.message, /2 character\(s\) that are not in the model's vocabulary/);
      assert.match(error.message, /"x" \(U\+0078\)/);
      assert.match(error.message, /"😀" \(U\+1F600\)/);
      return true;
    },
  );
});

test('char tokenizer JSON round trip', () => {
  const tokenizer = CharTokenizer.fromText(MIXED);
  const loaded = tokenizerFromJson(JSON.parse(JSON.stringify(tokenizer.toJSON())));
  assert.equal(loaded.type, 'char');
  assert.deepEqual(Array.from(loaded.encode(MIXED)), Array.from(tokenizer.encode(MIXED)));
});

test('bpe chunks cover the text', () => {
  const random = new Xoshiro128(3);
  for (let i = 0; i < 50; i++) {
    const text = randomText(random, 40);
    assert.equal(splitChunks(text).join(''), text);
  }
  assert.deepEqual(splitChunks("it's  a test"), ['it', "'s", ' ', ' a', ' test']);
});

test('bpe learns merges up to vocabulary size', () => {
  const text = 'low lower lowest newer newest wider widest '.repeat(20);
  const small = BpeTokenizer.train(text, 266);
  assert.equal(small.vocabSize, 266);
  assert.equal(small.merges.length, 10);
  const large = BpeTokenizer.train(text, 1000);
  assert.equal(large.vocabSize, 256 + large.merges.length);
  for (const word of [' lower', ' lowest', ' newer', ' widest']) {
    const ids = large.encode(word);
    assert.equal(ids.length, 1, `${JSON.stringify(word)} should be one token, got ${ids.length}`);
    assert.equal(new TextDecoder().decode(large.tokenBytes(ids[0]!)), word);
  }
});

test('bpe stops when no pair repeats', () => {
  const tokenizer = BpeTokenizer.train('abcd', 1000);
  assert.equal(tokenizer.vocabSize, 256);
});

test('bpe training is deterministic', () => {
  const a = BpeTokenizer.train(MIXED.repeat(3), 400);
  const b = BpeTokenizer.train(MIXED.repeat(3), 400);
  assert.deepEqual(a.toJSON(), b.toJSON());
});

test('bpe encode then decode is exact', () => {
  const random = new Xoshiro128(11);
  const tokenizer = BpeTokenizer.train(MIXED.repeat(5) + randomText(random, 2000), 600);
  assert.equal(tokenizer.decode(tokenizer.encode(MIXED)), MIXED);
  for (let i = 0; i < 200; i++) {
    const text = randomText(random, 1 + random.nextBelow(60));
    const decoded = tokenizer.decode(tokenizer.encode(text));
    assert.equal(decoded, text, `round trip failed for ${JSON.stringify(text)}`);
  }
});

test('bpe stream decoder emits whole characters', () => {
  // Trained on unrelated text, so each 4-byte emoji spans several tokens.
  const tokenizer = BpeTokenizer.train('abc abc abc', 260);
  const text = 'a😀b𠮷é';
  const ids = tokenizer.encode(text);
  assert.ok(ids.length > [...text].length, 'multi-byte characters should take several tokens');
  const decoder = tokenizer.createStreamDecoder();
  const pieces = Array.from(ids, (id) => decoder.push(id)).filter((piece) => piece !== '');
  pieces.push(decoder.end());
  assert.equal(pieces.join(''), text);
  for (const piece of pieces) {
    assert.ok(!piece.includes('\ufffd'), `piece ${JSON.stringify(piece)} has a broken character`);
  }
  assert.deepEqual(pieces.slice(0, 5), ['a', '😀', 'b', '𠮷', 'é']);
});

test('bpe rejects lone surrogates', () => {
  const tokenizer = BpeTokenizer.train('abc', 256);
  assert.throws(() => tokenizer.encode('ok\ud800ok'), /lone surrogate \(0xd800\) at index 2/);
  assert.throws(() => tokenizer.encode('\udc00'), /lone surrogate/);
});

test('bpe JSON round trip', () => {
  const tokenizer = trainTokenizer('bpe', MIXED.repeat(4), { vocabSize: 320 });
  const loaded = tokenizerFromJson(JSON.parse(JSON.stringify(tokenizer.toJSON())));
  assert.equal(loaded.vocabSize, tokenizer.vocabSize);
  assert.deepEqual(Array.from(loaded.encode(MIXED)), Array.from(tokenizer.encode(MIXED)));
  assert.throws(() => tokenizerFromJson({ type: 'bpe', merges: [[300, 1]] }), /only join tokens/);
  assert.throws(() => tokenizerFromJson({ type: 'wordpiece' }), /unknown tokenizer type/);
});

test('bpe vocabulary size is checked', () => {
  assert.throws(() => BpeTokenizer.train('abc', 100), /from 256 \(the byte tokens\)/);
});
