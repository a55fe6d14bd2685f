/**
 * Downloading dataset files from a list of mirrors, with MD5 verification.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { DownloadError, describeError } from './errors.js';
import { makeFolder } from '../io/folders.js';

/** A file published on dataset mirrors, with its MD5 checksum as a hex string. */
export interface RemoteFile {
  name: string;
  md5: string;
}

/** Options of downloadVerified. */
export interface DownloadOptions {
  /** Base URLs tried in order; each is joined with the file name. */
  mirrors: readonly string[];
  /** The dataset the file belongs to, named in errors, such as 'mnist'. */
  dataset?: string;
  /** Appended to the error when every mirror fails, to say what the user can do instead. */
  hint?: string;
  /** Receives one line per download attempt; defaults to console.log. */
  log?: (message: string) => void;
}

/** The reason one mirror did not provide the file. */
interface MirrorFailure {
  url: string;
  reason: string;
  /** The MD5 of the bytes received, when the failure is a checksum mismatch. */
  actualMd5?: string;
}

/** Returns the MD5 of a byte array as lower-case hex. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Returns true when `path` exists and its MD5 equals `md5`. */
export function hasChecksum(path: string, md5: string): boolean {
  return existsSync(path) && md5Hex(readFileSync(path)) === md5;
}

/**
 * Downloads `file` to `destination`, trying each mirror in order. The bytes go to a temporary
 * file beside the destination and are renamed into place only when their MD5 matches, so an
 * interrupted or corrupted download never leaves a file at `destination`. Throws DownloadError
 * naming every mirror's failure when no mirror provides the expected bytes.
 */
export async function downloadVerified(
  file: RemoteFile,
  destination: string,
  options: DownloadOptions,
): Promise<void> {
  const log = options.log ?? ((message: string) => console.log(message));
  makeFolder(dirname(destination));
  const failures: MirrorFailure[] = [];
  for (const mirror of options.mirrors) {
    const url = mirrorUrl(mirror, file.name);
    log(`downloading ${url}`);
    const failure = await fetchToFile(url, file.md5, destination);
    if (failure === null) return;
    log(`download of ${url} failed: ${failure.reason}`);
    failures.push(failure);
  }
  throw new DownloadError(failureMessage(file, failures, options));
}

function mirrorUrl(mirror: string, name: string): string {
  return mirror.endsWith('/') ? mirror + name : `${mirror}/${name}`;
}

/** Fetches one URL into `destination`; returns null on success, else why it failed. */
async function fetchToFile(
  url: string,
  md5: string,
  destination: string,
): Promise<MirrorFailure | null> {
  let bytes: Uint8Array;
  try {
    const response = await fetch(url);
    if (!response.ok) {
      await response.body?.cancel();
      return { url, reason: `HTTP ${response.status} ${response.statusText}`.trim() };
    }
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    return { url, reason: networkReason(error) };
  }
  const actualMd5 = md5Hex(bytes);
  if (actualMd5 !== md5) {
    return { url, reason: `MD5 mismatch: expected ${md5}, got ${actualMd5}`, actualMd5 };
  }
  const temporary = `${destination}.${process.pid}.partial`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, destination);
  } finally {
    rmSync(temporary, { force: true });
  }
  return null;
}

/** Node's fetch reports 'fetch failed' and keeps the system error, such as ENOTFOUND, as cause. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause === undefined) return describeError(error);
  const code = (cause as NodeJS.ErrnoException).code;
  return `${describeError(error)} (${code ?? describeError(cause)})`;
}

function failureMessage(
  file: RemoteFile,
  failures: MirrorFailure[],
  options: DownloadOptions,
): string {
  const name = options.dataset ? `${options.dataset} file ${file.name}` : file.name;
  const details = failures.map((failure) => `${failure.url}: ${failure.reason}`).join('; ');
  const mismatches = failures.filter((failure) => failure.actualMd5 !== undefined);
  let summary: string;
  if (failures.length === 0) {
    summary = `cannot download ${name}: no mirror is configured`;
  } else if (mismatches.length > 0) {
    const actual = [...new Set(mismatches.map((failure) => failure.actualMd5))].join(', ');
    summary =
      `checksum mismatch for ${name}: expected MD5 ${file.md5}, got ${actual}; ` +
      `the mirrors may serve a changed or damaged file (${details})`;
  } else {
    summary = `cannot download ${name}: every mirror failed (${details})`;
  }
  return options.hint ? `${summary}. ${options.hint}` : summary;
}
