/**
 * A tokenized text corpus ready for training: the corpus split into training and validation
 * parts, the tokenizer, and both parts as token ids.
 */
import { createHash } from 'node:crypto';

import { DataError } from '../data/errors.js';
import { type Corpus, countCharacters, loadCorpus, splitCorpus } from './corpus.js';
import { type Tokenizer, type TokenizerType, trainTokenizer } from './tokenizer.js';

export interface TextDataOptions {
  /** A data set name or a path to a text file or folder. */
  data: string;
  /** For tang-poems and song-ci: keep titles and authors. */
  keepTitles: boolean;
  /** The share of the corpus, at its end, kept for validation. */
  validFraction: number;
  tokenizer: TokenizerType;
  /** The BPE vocabulary size, byte tokens included. */
  vocabSize: number;
}

export interface TextData {
  corpus: Corpus;
  tokenizer: Tokenizer;
  trainTokens: Int32Array;
  validTokens: Int32Array;
  /** Code points of the validation text, for bits per character. */
  validCharacters: number;
  /** SHA-256 of the corpus text, so a resumed run can check that it reads the same data. */
  fingerprint: string;
}

/**
 * Loads, splits and tokenizes a corpus. A given `tokenizer` (from a checkpoint) is used as is.
 * Otherwise one is built: a character vocabulary from the whole corpus, so validation text
 * encodes too, or BPE merges learned on the training part only.
 */
export function prepareTextData(options: TextDataOptions, tokenizer?: Tokenizer): TextData {
  const corpus = loadCorpus(options.data, { keepTitles: options.keepTitles });
  const { train, valid } = splitCorpus(corpus.text, options.validFraction);
  if (train === '' || valid === '') {
    throw new DataError(
      `${corpus.source} is too short to split into training and validation text ` +
        `(${countCharacters(corpus.text)} characters); use a longer corpus`,
    );
  }
  const used =
    tokenizer ??
    trainTokenizer(options.tokenizer, options.tokenizer === 'char' ? corpus.text : train, {
      vocabSize: options.vocabSize,
    });
  return {
    corpus,
    tokenizer: used,
    trainTokens: used.encode(train),
    validTokens: used.encode(valid),
    validCharacters: countCharacters(valid),
    fingerprint: createHash('sha256').update(corpus.text).digest('hex'),
  };
}
