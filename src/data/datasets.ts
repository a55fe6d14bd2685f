/**
 * Resolving a dataset spec, as given to `--data`, to an ImageSet: a known dataset name, a
 * folder of IDX files, a folder of PNG/JPEG images, or a single IDX images file.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { hasChecksum, downloadVerified, type RemoteFile } from './download.js';
import { DataError } from './errors.js';
import { fromIdx, resizeImageSet, type ImageSet } from './image-set.js';
import { looksLikeIdxImages } from './idx.js';
import { loadImageFolder } from './images.js';

/** Names of the datasets that loadDataset finds or downloads by itself. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;

export type DatasetName = (typeof DATASET_NAMES)[number];

export type Split = 'train' | 'test';

/** Folder in which Debian's dataset-fashion-mnist package installs its files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The images and labels file of one split. */
interface SplitFiles {
  images: RemoteFile;
  labels: RemoteFile;
}

/** A dataset published as four gzip-compressed IDX files. */
interface IdxDataset {
  files: Record<Split, SplitFiles>;
  mirrors: readonly string[];
  classNames: string[] | null;
}

// Checksums of the .gz files as published by torchvision (torchvision/datasets/mnist.py).
const DATASETS: Record<DatasetName, IdxDataset> = {
  mnist: {
    files: {
      train: {
        images: { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
        labels: { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
      },
      test: {
        images: { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
        labels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
      },
    },
    mirrors: [
      'https://ossci-datasets.s3.amazonaws.com/mnist/',
      'https://storage.googleapis.com/cvdf-datasets/mnist/',
    ],
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  },
  'fashion-mnist': {
    files: {
      train: {
        images: { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
        labels: { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
      },
      test: {
        images: { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
        labels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
      },
    },
    mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
    classNames: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
  },
};

const PATH_FORM =
  '--data PATH with a folder of IDX files or PNG/JPEG images, or an IDX images file';

const OFFLINE_HINT =
  `Without internet access, use --data fashion-mnist (read from ${DEBIAN_FASHION_MNIST_DIR} ` +
  `when Debian's dataset-fashion-mnist package is installed), or ${PATH_FORM}`;

/** Options of loadDataset. */
export interface LoadDatasetOptions {
  /** Split to load; default 'train'. Image folders have a single split, returned for both. */
  split?: Split;
  /** Side of square output images; default: IDX files keep their size, image folders use 64. */
  size?: number;
  /** Channels of image-folder output; default 'auto' (1 when every image is gray, else 3). */
  channels?: 1 | 3 | 'auto';
  /** Root of the download cache; default `$AIGC_HOME` or `~/.cache/aigc`, see cacheRoot. */
  cacheDir?: string;
  /** Mirror base URLs per dataset, replacing the built-in lists. */
  mirrors?: Partial<Record<DatasetName, readonly string[]>>;
  /** Folder of Debian's Fashion-MNIST files; default DEBIAN_FASHION_MNIST_DIR. */
  debianFashionMnistDir?: string;
  /** Receives download progress lines; defaults to console.log. */
  log?: (message: string) => void;
  /** Receives warnings about skipped files; defaults to console.warn. */
  warn?: (message: string) => void;
}

/** The side of image-folder output when no size is given, the image size of DCGAN. */
const DEFAULT_FOLDER_SIZE = 64;

/** Returns the root of aigc's cache: `$AIGC_HOME` when set, else `~/.cache/aigc`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env['AIGC_HOME'] || join(homedir(), '.cache', 'aigc');
}

/**
 * Loads a dataset by name (one of DATASET_NAMES) or by path. A known name wins over a file or
 * folder of the same name in the working directory; write `./mnist` to load such a folder.
 */
export async function loadDataset(
  spec: string,
  options: LoadDatasetOptions = {},
): Promise<ImageSet> {
  const split = options.split ?? 'train';
  let set: ImageSet;
  if (isDatasetName(spec)) {
    set = await loadNamedDataset(spec, split, options);
  } else if (existsSync(spec)) {
    set = loadPath(spec, split, options);
  } else if (/[/\\.~]/.test(spec)) {
    throw new DataError(`dataset path ${spec} not found; check the path, or pass ${PATH_FORM}`);
  } else {
    throw new DataError(
      `unknown dataset '${spec}' (known names: ${DATASET_NAMES.join(', ')}); pass one of ` +
        `those, or ${PATH_FORM}`,
    );
  }
  const size = options.size;
  return size === undefined ? set : resizeImageSet(set, size, size);
}

function isDatasetName(spec: string): spec is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(spec);
}

async function loadNamedDataset(
  name: DatasetName,
  split: Split,
  options: LoadDatasetOptions,
): Promise<ImageSet> {
  const dataset = DATASETS[name];
  const files = dataset.files[split];
  let folder = join(options.cacheDir ?? cacheRoot(), 'datasets', name);
  // Debian's files keep upstream's deflate streams, but their gzip headers were rewritten (no
  // file name, another mtime), so their MD5s differ from the published ones and are not checked.
  const debianDir = options.debianFashionMnistDir ?? DEBIAN_FASHION_MNIST_DIR;
  if (name === 'fashion-mnist' && hasFiles(debianDir, files)) {
    folder = debianDir;
  } else {
    const mirrors = options.mirrors?.[name] ?? dataset.mirrors;
    for (const file of [files.images, files.labels]) {
      const path = join(folder, file.name);
      if (hasChecksum(path, file.md5)) continue;
      await downloadVerified(file, path, {
        mirrors,
        dataset: name,
        hint: OFFLINE_HINT,
        log: options.log,
      });
    }
  }
  const set = fromIdx(join(folder, files.images.name), join(folder, files.labels.name));
  return { ...set, classNames: dataset.classNames, source: `${name} (${split}, ${folder})` };
}

function hasFiles(dir: string, files: SplitFiles): boolean {
  return existsSync(join(dir, files.images.name)) && existsSync(join(dir, files.labels.name));
}

function loadPath(path: string, split: Split, options: LoadDatasetOptions): ImageSet {
  if (!statSync(path).isDirectory()) return fromIdx(path, siblingLabels(path));
  const names = readdirSync(path).sort();
  const images = pickSplit(names, 'images-idx3', split, path);
  if (images === null) {
    try {
      return loadImageFolder(path, {
        size: options.size ?? DEFAULT_FOLDER_SIZE,
        channels: options.channels ?? 'auto',
        warn: options.warn,
      });
    } catch (error) {
      // A folder without images may contain an IDX file that lacks the usual name.
      const idxName = names.find((name) => looksLikeIdxImages(join(path, name)));
      if (!(error instanceof DataError) || idxName === undefined) throw error;
      throw new DataError(
        `${path} contains the IDX images file ${idxName}, but aigc picks IDX files in a folder by ` +
          `name; pass the file itself (--data ${join(path, idxName)}), or rename it so that its ` +
          "name contains 'images-idx3' and its labels file's name contains 'labels-idx1'",
        { cause: error },
      );
    }
  }
  const labels = pickSplit(names, 'labels-idx1', split, path);
  return fromIdx(join(path, images), labels === null ? null : join(path, labels));
}

/** Returns the labels file named like `imagesPath` with labels-idx1 in place of images-idx3. */
function siblingLabels(imagesPath: string): string | null {
  const labelsPath = imagesPath.replace(/images-idx3(?=[^/\\]*$)/, 'labels-idx1');
  return labelsPath !== imagesPath && existsSync(labelsPath) ? labelsPath : null;
}

const SPLIT_KEYWORDS: Record<Split, readonly string[]> = {
  train: ['train'],
  test: ['t10k', 'test'],
};

/**
 * Picks the file whose name contains `kind` and belongs to `split`: the one whose name contains
 * the split's keyword, or else the only candidate when its name names no split.
 */
function pickSplit(names: string[], kind: string, split: Split, dir: string): string | null {
  const candidates = names.filter((name) => name.includes(kind));
  if (candidates.length === 0) return null;
  const matching = candidates.filter((name) => hasKeyword(name, SPLIT_KEYWORDS[split]));
  if (matching.length === 1) return matching[0] as string;
  const other = split === 'train' ? SPLIT_KEYWORDS.test : SPLIT_KEYWORDS.train;
  const only = candidates[0] as string;
  if (matching.length === 0 && candidates.length === 1 && !hasKeyword(only, other)) return only;
  if (matching.length === 0 && candidates.every((name) => hasKeyword(name, other))) {
    const otherSplit = split === 'train' ? 'test' : 'train';
    throw new DataError(
      `${dir} has no ${split} ${kind} file, only the ${otherSplit} file ${candidates.join(', ')}; ` +
        `add the ${split} file, or rename a file so its name contains ` +
        `'${SPLIT_KEYWORDS[split][0]}' to use it as the ${split} split`,
    );
  }
  throw new DataError(
    `cannot choose the ${split} ${kind} file in ${dir} among ${candidates.join(', ')}; keep ` +
      `one file per split, named with '${SPLIT_KEYWORDS.train[0]}' or '${SPLIT_KEYWORDS.test[0]}'`,
  );
}

function hasKeyword(name: string, keywords: readonly string[]): boolean {
  return keywords.some((keyword) => name.includes(keyword));
}
