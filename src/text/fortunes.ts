/**
 * Debian's fortune files as text corpora. A fortune file contains entries separated by lines that
 * contain only `%` (the strfile format). The Chinese files of `fortunes-zh` colour their poem
 * titles and authors with terminal escape codes (`ESC[32m《静夜思》ESC[m`), which are removed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { DataError } from '../data/errors.js';
import { decodeUtf8File } from './utf8.js';

/** Debian's folder of fortune files. */
export const FORTUNES_DIR = '/usr/share/games/fortunes';

/** The files of `fortunes-zh`; every other extension-less file there is English. */
const CHINESE_FILES = ['chinese', 'tang300', 'song100'];

/** Corpora built from fortune files, by the name `--data` takes. */
export const TEXT_DATASET_NAMES = [
  'tang-poems',
  'song-ci',
  'chinese-fortunes',
  'fortunes',
] as const;

export type TextDatasetName = (typeof TEXT_DATASET_NAMES)[number];

interface DatasetSpec {
  /** File names in FORTUNES_DIR, or 'english' for every English fortune file. */
  files: readonly string[] | 'english';
  /** The Debian package that installs the files. */
  debianPackage: string;
  /** Entries start with a coloured title and author line, which `keepTitles` controls. */
  poems: boolean;
}

const DATASETS: Record<TextDatasetName, DatasetSpec> = {
  'tang-poems': { files: ['tang300'], debianPackage: 'fortunes-zh', poems: true },
  'song-ci': { files: ['song100'], debianPackage: 'fortunes-zh', poems: true },
  'chinese-fortunes': { files: ['chinese'], debianPackage: 'fortunes-zh', poems: false },
  fortunes: { files: 'english', debianPackage: 'fortunes', poems: false },
};

export function isTextDatasetName(name: string): name is TextDatasetName {
  return (TEXT_DATASET_NAMES as readonly string[]).includes(name);
}

/** ANSI CSI sequences such as ESC[32m, ESC[1;33m and ESC[m. */
const ESCAPE_SEQUENCE = /\x1b\[[0-9;]*[A-Za-z]/g;

export interface FortuneParseOptions {
  /**
   * Keep the coloured lines that open an entry (a poem's title and author), without their
   * colour codes. Default false: only the text after them.
   */
  keepHeaders?: boolean;
}

/**
 * Splits a fortune file into entries with the colour codes removed. Leading and trailing blank
 * lines of an entry are dropped, and so are entries left empty.
 */
export function parseFortunes(raw: string, options: FortuneParseOptions = {}): string[] {
  const entries: string[] = [];
  let lines: string[] = [];
  const flush = () => {
    const entry = formatEntry(lines, options.keepHeaders ?? false);
    if (entry !== '') entries.push(entry);
    lines = [];
  };
  for (const line of raw.split(/\r?\n/)) {
    if (line === '%') flush();
    else lines.push(line);
  }
  flush();
  return entries;
}

function formatEntry(lines: string[], keepHeaders: boolean): string {
  let start = 0;
  if (!keepHeaders) {
    while (start < lines.length && lines[start]!.startsWith('\x1b[')) start++;
  }
  const text = lines
    .slice(start)
    .map((line) => line.replace(ESCAPE_SEQUENCE, ''))
    .join('\n');
  return text.replace(/^\s*\n/, '').trimEnd();
}

/** Reads the entries of data set `name` from FORTUNES_DIR (or `dir`). */
export function loadFortuneDataset(
  name: TextDatasetName,
  options: { keepTitles?: boolean; dir?: string } = {},
): { documents: string[]; files: string[] } {
  const spec = DATASETS[name];
  const dir = options.dir ?? FORTUNES_DIR;
  const files = spec.files === 'english' ? englishFortuneFiles(dir) : spec.files;
  const paths = files.map((file) => join(dir, file));
  const missing = paths.filter((path) => !existsSync(path));
  if (missing.length > 0 || paths.length === 0) {
    throw new DataError(
      `data set ${name} needs Debian's ${spec.debianPackage} package, but ` +
        `${missing[0] ?? `${dir} has no English fortune files`} was not found; install it ` +
        `with 'apt-get install ${spec.debianPackage}', or pass --data PATH to a text file`,
    );
  }
  const keepHeaders = spec.poems ? (options.keepTitles ?? false) : true;
  const documents = paths.flatMap((path) =>
    parseFortunes(decodeUtf8File(readFileSync(path), path), { keepHeaders }),
  );
  return { documents, files: paths };
}

/** Lists the English fortune files: no extension (so no .dat index or .u8 link), not Chinese. */
function englishFortuneFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !name.includes('.') && !CHINESE_FILES.includes(name))
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort();
}
