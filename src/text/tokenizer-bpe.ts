/**
 * Byte-level byte-pair encoding as in GPT-2 (Radford et al., 2019, "Language Models are
 * Unsupervised Multitask Learners", section 2.2; Sennrich et al., 2016, for BPE itself).
 *
 * Tokens 0..255 are the bytes of the UTF-8 encoding; token 256 + i is merge i, the
 * concatenation of its two parts. Text is first split into chunks with GPT-2's pattern
 * (contractions, letter runs, digit runs, punctuation runs, whitespace), and merges never
 * cross a chunk boundary. Because every byte is a token, any well-formed string encodes, and
 * decoding its tokens returns it exactly.
 *
 * Training counts each distinct chunk once with its frequency, and keeps pair counts up to
 * date incrementally: a merge only revisits the chunks that contain its pair.
 */
import { TokenizerError } from './errors.js';
import type { StreamDecoder, Tokenizer } from './tokenizer.js';
import { Utf8StreamDecoder } from './utf8.js';

export interface BpeTokenizerJson {
  type: 'bpe';
  /** Merge i joins tokens [a, b] into token 256 + i, in the order they were learned. */
  merges: [number, number][];
}

/** GPT-2's pre-tokenization pattern, from its encoder.py. */
const CHUNK_PATTERN = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const BYTE_TOKENS = 256;
/** Pair keys pack two token ids below 2^20 into one number. */
const PAIR_BASE = 2 ** 20;
const MAX_VOCAB_SIZE = PAIR_BASE;
/** Encoded chunks kept for reuse; the cache is cleared when it reaches this size. */
const CACHE_LIMIT = 100_000;

const pairKey = (a: number, b: number) => a * PAIR_BASE + b;

/** Splits `text` into chunks that cover it exactly. */
export function splitChunks(text: string): string[] {
  const chunks: string[] = [];
  let end = 0;
  for (const match of text.matchAll(CHUNK_PATTERN)) {
    // The pattern matches every character, so a gap would only come from a lone surrogate.
    if (match.index! > end) chunks.push(text.slice(end, match.index));
    chunks.push(match[0]);
    end = match.index! + match[0].length;
  }
  if (end < text.length) chunks.push(text.slice(end));
  return chunks;
}

export class BpeTokenizer implements Tokenizer {
  readonly type = 'bpe';
  readonly merges: readonly (readonly [number, number])[];
  readonly #ranks = new Map<number, number>();
  readonly #bytes: Uint8Array[] = [];
  readonly #cache = new Map<string, number[]>();
  readonly #encoder = new TextEncoder();

  constructor(merges: readonly (readonly [number, number])[]) {
    this.merges = merges.map(([a, b]) => [a, b] as const);
    for (let i = 0; i < BYTE_TOKENS; i++) this.#bytes.push(Uint8Array.of(i));
    this.merges.forEach(([a, b], rank) => {
      const id = BYTE_TOKENS + rank;
      if (!isTokenBelow(a, id) || !isTokenBelow(b, id)) {
        throw new TokenizerError(
          `BPE merge ${rank} joins [${a}, ${b}], but a merge may only join tokens below ${id}`,
        );
      }
      this.#ranks.set(pairKey(a, b), rank);
      const bytes = new Uint8Array(this.#bytes[a]!.length + this.#bytes[b]!.length);
      bytes.set(this.#bytes[a]!);
      bytes.set(this.#bytes[b]!, this.#bytes[a]!.length);
      this.#bytes.push(bytes);
    });
  }

  /**
   * Learns merges on `text` until the vocabulary has `vocabSize` tokens, or until no pair of
   * tokens occurs twice.
   */
  static train(text: string, vocabSize: number): BpeTokenizer {
    if (!Number.isInteger(vocabSize) || vocabSize < BYTE_TOKENS || vocabSize > MAX_VOCAB_SIZE) {
      throw new RangeError(
        `the BPE vocabulary size must be an integer from ${BYTE_TOKENS} (the byte tokens) to ` +
          `${MAX_VOCAB_SIZE}, got ${vocabSize}`,
      );
    }
    return new BpeTokenizer(learnMerges(text, vocabSize - BYTE_TOKENS));
  }

  static fromJSON(json: BpeTokenizerJson): BpeTokenizer {
    const valid =
      Array.isArray(json.merges) &&
      json.merges.every((m) => Array.isArray(m) && m.length === 2 && m.every(Number.isInteger));
    if (!valid) throw new TokenizerError('BPE tokenizer JSON needs `merges`, an array of pairs');
    return new BpeTokenizer(json.merges);
  }

  get vocabSize(): number {
    return BYTE_TOKENS + this.merges.length;
  }

  /** Raises TokenizerError for a lone surrogate, which has no UTF-8 encoding. */
  encode(text: string): Int32Array {
    const lone = loneSurrogateIndex(text);
    if (lone >= 0) {
      throw new TokenizerError(
        `the text has a lone surrogate (0x${text.charCodeAt(lone).toString(16)}) at index ` +
          `${lone}; it is not valid Unicode and has no UTF-8 encoding`,
      );
    }
    const ids: number[] = [];
    for (const chunk of splitChunks(text)) ids.push(...this.#encodeChunk(chunk));
    return Int32Array.from(ids);
  }

  decode(tokens: ArrayLike<number>): string {
    const decoder = new Utf8StreamDecoder();
    let text = '';
    for (let i = 0; i < tokens.length; i++) text += decoder.push(this.#tokenBytes(tokens[i]!));
    return text + decoder.end();
  }

  createStreamDecoder(): StreamDecoder {
    const decoder = new Utf8StreamDecoder();
    return { push: (token) => decoder.push(this.#tokenBytes(token)), end: () => decoder.end() };
  }

  /** Returns a copy of the bytes that token `id` encodes. */
  tokenBytes(id: number): Uint8Array {
    return this.#tokenBytes(id).slice();
  }

  toJSON(): BpeTokenizerJson {
    return { type: 'bpe', merges: this.merges.map(([a, b]) => [a, b]) };
  }

  #tokenBytes(id: number): Uint8Array {
    const bytes = this.#bytes[id];
    if (bytes === undefined) {
      throw new TokenizerError(`token id ${id} is outside the vocabulary of ${this.vocabSize}`);
    }
    return bytes;
  }

  /** Applies merges in rank order, lowest first, as GPT-2's encoder does. */
  #encodeChunk(chunk: string): number[] {
    const cached = this.#cache.get(chunk);
    if (cached !== undefined) return cached;
    let ids = Array.from(this.#encoder.encode(chunk));
    while (ids.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < ids.length; i++) {
        const rank = this.#ranks.get(pairKey(ids[i]!, ids[i + 1]!));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      ids = mergePair(ids, ids[best]!, ids[best + 1]!, BYTE_TOKENS + bestRank);
    }
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(chunk, ids);
    return ids;
  }
}

function isTokenBelow(token: number, limit: number): boolean {
  return Number.isInteger(token) && token >= 0 && token < limit;
}

function loneSurrogateIndex(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return i;
  }
  return -1;
}

/** Replaces every non-overlapping (a, b), left to right, with `merged`. */
function mergePair(ids: readonly number[], a: number, b: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(merged);
      i++;
    } else out.push(ids[i]!);
  }
  return out;
}

/** Learns up to `count` merges; a pair must occur at least twice to be merged. */
function learnMerges(text: string, count: number): [number, number][] {
  const frequencies = new Map<string, number>();
  for (const chunk of splitChunks(text)) frequencies.set(chunk, (frequencies.get(chunk) ?? 0) + 1);
  const encoder = new TextEncoder();
  const words = [...frequencies.keys()].map((chunk) => Array.from(encoder.encode(chunk)));
  const weights = [...frequencies.values()];
  const pairs = new PairCounts();
  words.forEach((word, w) => pairs.addWord(word, w, weights[w]!));
  pairs.commit();

  const merges: [number, number][] = [];
  while (merges.length < count) {
    const best = pairs.popMax();
    if (best === null || best.count < 2) break;
    const a = Math.floor(best.key / PAIR_BASE);
    const b = best.key % PAIR_BASE;
    const merged = BYTE_TOKENS + merges.length;
    merges.push([a, b]);
    for (const w of pairs.wordsWith(best.key)) {
      const word = words[w]!;
      const next = mergePair(word, a, b, merged);
      if (next.length === word.length) continue;
      pairs.addWord(word, w, -weights[w]!);
      pairs.addWord(next, w, weights[w]!);
      words[w] = next;
    }
    pairs.commit();
  }
  return merges;
}

/**
 * Pair frequencies over weighted words, with a max-heap of (count, key) entries. Changes are
 * collected until commit(), which pushes one entry per changed pair. An entry is stale when its
 * count no longer matches the map, and popMax() skips those. Ties go to the smaller pair key,
 * so training is deterministic.
 */
class PairCounts {
  readonly #counts = new Map<number, number>();
  readonly #words = new Map<number, Set<number>>();
  readonly #heap: [number, number][] = [];
  readonly #changed = new Set<number>();

  /** Adds `weight` (negative to remove) for each pair of `word`, the word at `index`. */
  addWord(word: readonly number[], index: number, weight: number): void {
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i]!, word[i + 1]!);
      this.#counts.set(key, (this.#counts.get(key) ?? 0) + weight);
      this.#changed.add(key);
      if (weight > 0) {
        let holders = this.#words.get(key);
        if (holders === undefined) this.#words.set(key, (holders = new Set()));
        holders.add(index);
      }
    }
  }

  commit(): void {
    for (const key of this.#changed) {
      const count = this.#counts.get(key)!;
      if (count > 0) this.#push([count, key]);
    }
    this.#changed.clear();
  }

  /** Returns the words that contained `key` at some point (some may no longer) and forgets them. */
  wordsWith(key: number): number[] {
    const holders = [...(this.#words.get(key) ?? [])];
    this.#words.delete(key);
    return holders;
  }

  popMax(): { key: number; count: number } | null {
    while (this.#heap.length > 0) {
      const [count, key] = this.#pop();
      if (this.#counts.get(key) === count) return { key, count };
    }
    return null;
  }

  #push(entry: [number, number]): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): [number, number] {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let first = i;
        if (left < heap.length && before(heap[left]!, heap[first]!)) first = left;
        if (right < heap.length && before(heap[right]!, heap[first]!)) first = right;
        if (first === i) break;
        [heap[i], heap[first]] = [heap[first]!, heap[i]!];
        i = first;
      }
    }
    return top;
  }
}

/** Heap order: higher count first, then the smaller pair key. */
function before(x: [number, number], y: [number, number]): boolean {
  return x[0] !== y[0] ? x[0] > y[0] : x[1] < y[1];
}
