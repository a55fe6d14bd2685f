/**
 * Text corpora: a data set name (Debian's fortune files), a UTF-8 text file or a folder of them,
 * read into one string and split into a training and a validation part.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { DataError } from '../data/errors.js';
import { isTextDatasetName, loadFortuneDataset, TEXT_DATASET_NAMES } from './fortunes.js';
import { decodeUtf8File } from './utf8.js';

/** Joins documents (poems, fortunes, files), so a model reads a blank line between two. */
export const DOCUMENT_SEPARATOR = '\n\n';

export interface Corpus {
  /** The data set name, or the resolved path. */
  source: string;
  /** The files read, in order. */
  files: string[];
  documentCount: number;
  /** The documents joined by DOCUMENT_SEPARATOR, with a final newline. */
  text: string;
}

export interface CorpusOptions {
  /** For tang-poems and song-ci: keep each poem's title and author lines. Default false. */
  keepTitles?: boolean;
}

/** Reads a data set by name, or a text file or folder by path; raises DataError otherwise. */
export function loadCorpus(nameOrPath: string, options: CorpusOptions = {}): Corpus {
  if (isTextDatasetName(nameOrPath)) {
    const { documents, files } = loadFortuneDataset(nameOrPath, options);
    return corpusOf(nameOrPath, files, documents);
  }
  const path = resolve(nameOrPath);
  if (!existsSync(path)) {
    throw new DataError(
      `text data not found: '${nameOrPath}' is neither a data set ` +
        `(${TEXT_DATASET_NAMES.join(', ')}) nor an existing file or folder`,
    );
  }
  const files = statSync(path).isDirectory() ? textFilesIn(path) : [path];
  if (files.length === 0) {
    throw new DataError(`${path} contains no files; put UTF-8 text files in it`);
  }
  const documents = files.map((file) => decodeUtf8File(readFileSync(file), file));
  return corpusOf(path, files, documents);
}

/** Lists every regular file under `dir`, sorted by path, skipping hidden files and folders. */
function textFilesIn(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...textFilesIn(path));
    else if (statSync(path).isFile()) found.push(path);
  }
  return found.sort();
}

function corpusOf(source: string, files: string[], documents: string[]): Corpus {
  const kept = documents.map((doc) => doc.replace(/\n+$/, '')).filter((doc) => doc.trim() !== '');
  if (kept.length === 0) {
    throw new DataError(
      `${source} contains no text (${files.length} file(s), all empty or blank); ` +
        'pass a corpus with text in it',
    );
  }
  return {
    source,
    files,
    documentCount: kept.length,
    text: `${kept.join(DOCUMENT_SEPARATOR)}\n`,
  };
}

/** Counts the Unicode code points in `text`. */
export function countCharacters(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A low surrogate after a high one is the second half of one code point.
    const isPairTail =
      unit >= 0xdc00 && unit <= 0xdfff && i > 0 && isHighSurrogate(text.charCodeAt(i - 1));
    if (!isPairTail) count++;
  }
  return count;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/**
 * Splits `text` into a training part and the last `validFraction` of it for validation. The
 * cut moves forward to the next line start, so validation begins with a whole line, and never
 * falls inside a surrogate pair.
 */
export function splitCorpus(text: string, validFraction: number): { train: string; valid: string } {
  if (!(validFraction > 0 && validFraction < 1)) {
    throw new RangeError(`the validation fraction must be in (0, 1), got ${validFraction}`);
  }
  let cut = Math.floor(text.length * (1 - validFraction));
  const newline = text.indexOf('\n', cut);
  if (newline >= 0 && newline + 1 < text.length) cut = newline + 1;
  if (cut > 0 && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
  return { train: text.slice(0, cut), valid: text.slice(cut) };
}
