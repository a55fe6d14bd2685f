/**
 * Decoding PNG and JPEG files and loading a folder of them as an ImageSet.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

import { DataError, describeError } from './errors.js';
import type { ImageSet } from './image-set.js';
import { cropCenterSquare, resizePixels } from './resize.js';

/** A decoded image as 8-bit RGBA, interleaved as [height, width, 4]. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Extensions, compared in lower case, of the files that loadImageFolder reads. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/** Decodes PNG or JPEG bytes, chosen by the file signature, to 8-bit RGBA. */
export function decodeImage(bytes: Buffer, path: string): RgbaImage {
  if (startsWith(bytes, PNG_SIGNATURE)) {
    // pngjs expands palettes, grayscale and 16-bit samples to 8-bit RGBA.
    const png = decodeWith('PNG', path, () => PNG.sync.read(bytes));
    return { width: png.width, height: png.height, data: png.data };
  }
  if (startsWith(bytes, JPEG_SIGNATURE)) {
    const jpeg = decodeWith('JPEG', path, () =>
      decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true }),
    );
    return { width: jpeg.width, height: jpeg.height, data: jpeg.data };
  }
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0'));
  throw new DataError(`${path} is neither PNG nor JPEG: it starts with bytes ${head.join(' ')}`);
}

/** Runs a decoder and turns its failure into a DataError that names the file. */
function decodeWith<T>(format: string, path: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new DataError(
      `${path} is a damaged or truncated ${format} file (decoder message: ` +
        `${(error as Error).message}); replace it or remove it from the folder`,
    );
  }
}

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return signature.every((byte, i) => bytes[i] === byte);
}

/** Returns true when every pixel has equal red, green and blue values. */
export function isGrayscale(image: RgbaImage): boolean {
  const { data } = image;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return false;
  }
  return true;
}

/**
 * Converts RGBA to interleaved gray or RGB bytes. Alpha is dropped, as PIL's convert('RGB') does.
 * Gray is the ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B, the weights of PIL's convert('L'),
 * so a pixel with R = G = B keeps its value exactly.
 */
export function toChannels(image: RgbaImage, channels: 1 | 3): Uint8Array {
  const { data } = image;
  const pixels = image.width * image.height;
  const out = new Uint8Array(pixels * channels);
  for (let p = 0; p < pixels; p++) {
    const r = data[4 * p] as number;
    const g = data[4 * p + 1] as number;
    const b = data[4 * p + 2] as number;
    if (channels === 1) {
      out[p] = Math.floor((299 * r + 587 * g + 114 * b + 500) / 1000);
    } else {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    }
  }
  return out;
}

/** Options of loadImageFolder. */
export interface ImageFolderOptions {
  /** Side of the square output images in pixels. */
  size: number;
  /** Output channels; 'auto' picks 1 when every image is grayscale and 3 otherwise. */
  channels: 1 | 3 | 'auto';
  /** Receives one line per kind of skipped file; defaults to console.warn. */
  warn?: (message: string) => void;
}

/** The image files found in a folder and its direct subfolders. */
interface FolderListing {
  /** Paths of the image files, sorted by their path relative to the folder. */
  files: string[];
  /** For each file, the index of its subfolder in classNames, or -1 for a top-level file. */
  classes: number[];
  /** Sorted names of the subfolders that contain image files. */
  classNames: string[];
  /** Relative paths of the files that are not images. */
  skipped: string[];
}

const LISTED_NAMES = 3;

/**
 * Loads the .png, .jpg and .jpeg files of a folder and of its direct subfolders as square images.
 * Each image is cropped to its centered square and resized to size x size (see resize.ts), like
 * torchvision's Resize(size) followed by CenterCrop(size). When every image sits in a subfolder,
 * the subfolder names become classNames and each image's label is its subfolder's index, as in
 * torchvision's ImageFolder. Deeper folders and names that start with a dot are ignored. Other
 * files, and images that fail to decode, are skipped with one warning line for each of the two.
 * Color images loaded as gray get one warning line too.
 */
export function loadImageFolder(dir: string, options: ImageFolderOptions): ImageSet {
  const { size, channels } = options;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`loadImageFolder: size ${size} must be a positive integer`);
  }
  const listing = listImageFolder(dir);
  if (listing.skipped.length > 0) {
    warn(
      `skipped ${plural(listing.skipped.length, 'file')} in ${dir} without a ` +
        `${IMAGE_EXTENSIONS.join('/')} extension: ${summarize(listing.skipped)}`,
    );
  }
  const loaded = loadFiles(listing.files, size, channels);
  if (loaded.failures.length > 0 && loaded.count > 0) {
    const count = plural(loaded.failures.length, 'unreadable image');
    warn(`skipped ${count} in ${dir}: ${summarize(loaded.failures)}`);
  }
  if (channels === 1 && loaded.colorCount > 0) {
    warn(
      `converted ${loaded.colorCount} of ${plural(loaded.count, 'image')} in ${dir} from color ` +
        'to gray (luma 0.299 R + 0.587 G + 0.114 B), because one channel was requested',
    );
  }
  if (loaded.count === 0) {
    throw new DataError(
      `no readable image in ${dir}: all ${listing.files.length} image files failed to decode ` +
        `(${summarize(loaded.failures)}); replace them with valid PNG or JPEG files`,
    );
  }
  const labelled = listing.classes.every((index) => index >= 0);
  const labels = labelled
    ? Int32Array.from(loaded.sourceIndices, (i) => listing.classes[i] as number)
    : null;
  return {
    images: loaded.images,
    labels,
    count: loaded.count,
    channels: loaded.channels,
    height: size,
    width: size,
    classNames: labelled ? listing.classNames : null,
    source: dir,
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function summarize(items: string[]): string {
  const listed = items.slice(0, LISTED_NAMES).join(', ');
  if (items.length <= LISTED_NAMES) return listed;
  return `${listed} and ${items.length - LISTED_NAMES} more`;
}

function listImageFolder(dir: string): FolderListing {
  const top = readFolder(dir);
  if (top.length === 0) {
    throw new DataError(`image folder ${dir} is empty; add PNG or JPEG files to it`);
  }
  const entries: { path: string; relative: string; classIndex: number }[] = [];
  const skipped: string[] = [];
  const classNames: string[] = [];
  for (const entry of top) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const children = readFolder(path).filter((child) => child.isFile());
      const images = children.filter((child) => isImageName(child.name));
      for (const child of children) {
        if (!isImageName(child.name)) skipped.push(`${entry.name}/${child.name}`);
      }
      if (images.length === 0) continue;
      classNames.push(entry.name);
      for (const child of images) {
        const relative = `${entry.name}/${child.name}`;
        entries.push({ path: join(path, child.name), relative, classIndex: classNames.length - 1 });
      }
    } else if (isImageName(entry.name)) {
      entries.push({ path, relative: entry.name, classIndex: -1 });
    } else {
      skipped.push(entry.name);
    }
  }
  if (entries.length === 0) {
    throw new DataError(
      `no ${IMAGE_EXTENSIONS.join('/')} files in ${dir} or its subfolders` +
        (skipped.length > 0 ? ` (found only ${summarize(skipped)})` : '') +
        '; add PNG or JPEG images, or pass a folder that contains them',
    );
  }
  entries.sort((a, b) => compareNames(a.relative, b.relative));
  return {
    files: entries.map((entry) => entry.path),
    classes: entries.map((entry) => entry.classIndex),
    classNames,
    skipped,
  };
}

/** Lists a folder without dotfiles, sorted by name in code-unit order so it is locale-free. */
function readFolder(dir: string) {
  let entries;
  try {
    if (!statSync(dir).isDirectory()) {
      throw new DataError(`${dir} is not a folder; pass a folder of PNG or JPEG images`);
    }
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (error instanceof DataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'not found' : describeError(error);
    throw new DataError(`cannot read image folder ${dir}: ${reason}; check the path`, {
      cause: error,
    });
  }
  return entries
    .filter((entry) => !entry.name.startsWith('.'))
    .sort((a, b) => compareNames(a.name, b.name));
}

function compareNames(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function isImageName(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

/** Decoded images in [count, channels, size, size] order, and which files they came from. */
interface LoadedImages {
  images: Float32Array;
  count: number;
  channels: 1 | 3;
  /** Indices into the file list of the images that decoded. */
  sourceIndices: number[];
  /** One 'name (reason)' entry per file that failed to decode. */
  failures: string[];
  /** Count of the decoded images with a pixel whose red, green and blue differ. */
  colorCount: number;
}

function loadFiles(files: string[], size: number, channels: 1 | 3 | 'auto'): LoadedImages {
  // With 'auto', images are stored as RGB until the end shows whether all of them were gray.
  const stored: 1 | 3 = channels === 1 ? 1 : 3;
  const plane = size * size;
  const images = new Float32Array(files.length * stored * plane);
  const sourceIndices: number[] = [];
  const failures: string[] = [];
  let colorCount = 0;
  files.forEach((path, fileIndex) => {
    let image: RgbaImage;
    try {
      image = decodeImage(readFileSync(path), path);
    } catch (error) {
      failures.push(`${path} (${describeError(error)})`);
      return;
    }
    if (!isGrayscale(image)) colorCount++;
    const { width, height } = image;
    const square = cropCenterSquare({
      data: toChannels(image, stored),
      width,
      height,
      channels: stored,
    });
    const resized = resizePixels(square, size, size);
    writePlanes(resized, stored, images.subarray(sourceIndices.length * stored * plane));
    sourceIndices.push(fileIndex);
  });
  const count = sourceIndices.length;
  if (channels === 'auto' && colorCount === 0 && count > 0) {
    return {
      images: firstPlanes(images, count, plane),
      count,
      channels: 1,
      sourceIndices,
      failures,
      colorCount,
    };
  }
  return {
    images: images.slice(0, count * stored * plane),
    count,
    channels: stored,
    sourceIndices,
    failures,
    colorCount,
  };
}

/** Writes interleaved [H, W, C] values 0..255 into planes [C, H, W] scaled to [-1, 1]. */
function writePlanes(interleaved: Float32Array, channels: number, out: Float32Array): void {
  const plane = interleaved.length / channels;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < channels; c++) {
      out[c * plane + p] = (interleaved[p * channels + c] as number) / 127.5 - 1;
    }
  }
}

/** Keeps the first of the three equal planes of each gray image stored as RGB. */
function firstPlanes(images: Float32Array, count: number, plane: number): Float32Array {
  const out = new Float32Array(count * plane);
  for (let i = 0; i < count; i++) {
    out.set(images.subarray(3 * i * plane, (3 * i + 1) * plane), i * plane);
  }
  return out;
}
