/**
 * A character-level tokenizer: one token per Unicode code point, so a surrogate pair (an emoji,
 * a rare CJK character) is one token and never split. The vocabulary is the corpus's distinct
 * code points, sorted by code point.
 */
import { TokenizerError } from './errors.js';
import type { StreamDecoder, Tokenizer } from './tokenizer.js';

export interface CharTokenizerJson {
  type: 'char';
  /** One code point per entry; the index is the token id. */
  vocab: string[];
}

/** At most this many unknown characters are listed in an error message. */
const MAX_LISTED = 20;

export class CharTokenizer implements Tokenizer {
  readonly type = 'char';
  readonly vocab: readonly string[];
  readonly #ids: Map<string, number>;

  constructor(vocab: readonly string[]) {
    this.vocab = [...vocab];
    this.#ids = new Map(this.vocab.map((char, id) => [char, id]));
    if (this.#ids.size !== this.vocab.length) {
      throw new TokenizerError('character vocabulary has duplicate entries');
    }
    const bad = this.vocab.find((char) => [...char].length !== 1);
    if (bad !== undefined) {
      throw new TokenizerError(
        `character vocabulary entry ${JSON.stringify(bad)} is not one code point`,
      );
    }
  }

  /** Builds the vocabulary from the distinct code points of `text`, sorted by code point. */
  static fromText(text: string): CharTokenizer {
    const chars = [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    if (chars.length === 0) throw new TokenizerError('cannot build a vocabulary from empty text');
    return new CharTokenizer(chars);
  }

  static fromJSON(json: CharTokenizerJson): CharTokenizer {
    if (!Array.isArray(json.vocab) || json.vocab.some((entry) => typeof entry !== 'string')) {
      throw new TokenizerError('char tokenizer JSON needs `vocab`, an array of strings');
    }
    return new CharTokenizer(json.vocab);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Raises TokenizerError listing every character of `text` outside the vocabulary. */
  encode(text: string): Int32Array {
    const ids: number[] = [];
    const unknown = new Set<string>();
    for (const char of text) {
      const id = this.#ids.get(char);
      if (id === undefined) unknown.add(char);
      else ids.push(id);
    }
    if (unknown.size > 0) throw unknownCharactersError(unknown, this.vocabSize);
    return Int32Array.from(ids);
  }

  decode(tokens: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < tokens.length; i++) text += this.#char(tokens[i]!);
    return text;
  }

  createStreamDecoder(): StreamDecoder {
    return { push: (token) => this.#char(token), end: () => '' };
  }

  toJSON(): CharTokenizerJson {
    return { type: 'char', vocab: [...this.vocab] };
  }

  #char(token: number): string {
    const char = this.vocab[token];
    if (char === undefined) {
      throw new TokenizerError(
        `token id ${token} is outside the vocabulary of ${this.vocabSize} characters`,
      );
    }
    return char;
  }
}

function unknownCharactersError(unknown: Set<string>, vocabSize: number): TokenizerError {
  const listed = [...unknown].slice(0, MAX_LISTED).map(describeCharacter);
  const more = unknown.size > MAX_LISTED ? ` and ${unknown.size - MAX_LISTED} more` : '';
  return new TokenizerError(
    `the text contains ${unknown.size} character(s) that are not in the model's vocabulary of ` +
      `${vocabSize} characters: ${listed.join(', ')}${more}. A character-level model can only ` +
      'read characters of its training corpus; remove or replace them',
  );
}

/** 'x' (U+0078): the character, and its code point for invisible or confusable ones. */
function describeCharacter(char: string): string {
  const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `${JSON.stringify(char)} (U+${code})`;
}
