/**
 * The tokenizer contract, and (de)serialisation of both kinds: character level over Unicode
 * code points (tokenizer-char.ts) and byte-level BPE (tokenizer-bpe.ts). Their JSON form is
 * stored in every language-model checkpoint, so a model loads with the vocabulary it was
 * trained on.
 */
import { TokenizerError } from './errors.js';
import { BpeTokenizer, type BpeTokenizerJson } from './tokenizer-bpe.js';
import { CharTokenizer, type CharTokenizerJson } from './tokenizer-char.js';

export const TOKENIZER_TYPES = ['char', 'bpe'] as const;

export { TokenizerError };

export type TokenizerType = (typeof TOKENIZER_TYPES)[number];

export type TokenizerJson = CharTokenizerJson | BpeTokenizerJson;

/** Turns token ids back into text one token at a time, emitting only whole characters. */
export interface StreamDecoder {
  /** Returns the text that `token` completes (possibly ''). */
  push(token: number): string;
  /** Returns what is left at the end of the stream. */
  end(): string;
}

export interface Tokenizer {
  readonly type: TokenizerType;
  readonly vocabSize: number;
  /** Token ids of `text`; raises TokenizerError when the text cannot be encoded. */
  encode(text: string): Int32Array;
  decode(tokens: ArrayLike<number>): string;
  createStreamDecoder(): StreamDecoder;
  toJSON(): TokenizerJson;
}

/** Builds a tokenizer of `type` from a training text; `vocabSize` applies to BPE only. */
export function trainTokenizer(
  type: TokenizerType,
  text: string,
  options: { vocabSize: number },
): Tokenizer {
  return type === 'char'
    ? CharTokenizer.fromText(text)
    : BpeTokenizer.train(text, options.vocabSize);
}

/** Rebuilds a tokenizer from its toJSON() form. */
export function tokenizerFromJson(json: unknown): Tokenizer {
  const type = (json as { type?: unknown } | null)?.type;
  if (type === 'char') return CharTokenizer.fromJSON(json as CharTokenizerJson);
  if (type === 'bpe') return BpeTokenizer.fromJSON(json as BpeTokenizerJson);
  throw new TokenizerError(
    `unknown tokenizer type ${JSON.stringify(type)}; expected one of ${TOKENIZER_TYPES.join(', ')}`,
  );
}
