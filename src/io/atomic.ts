/**
 * Atomic file writes. The data goes to a temporary file in the target's folder, is flushed to
 * disk, and is then renamed over the target, so readers see either the previous file or the
 * complete new one. rename(2) replaces the target atomically only within one file system, which
 * is why the temporary file sits beside the target and not in the system temp folder.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Keeps the temporary file name under the usual 255-byte NAME_MAX for long target names. */
const MAX_BASENAME_IN_TEMPORARY = 200;

/** A failed atomic write. `code` is the Node.js error code of the cause, such as EACCES. */
export class AtomicWriteError extends Error {
  readonly path: string;
  readonly code: string | undefined;

  constructor(path: string, message: string, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.name = 'AtomicWriteError';
    this.path = path;
    this.code = code;
  }
}

function temporaryPath(path: string): string {
  const name = basename(path).slice(0, MAX_BASENAME_IN_TEMPORARY);
  const suffix = `${process.pid}.${randomBytes(6).toString('hex')}`;
  return join(dirname(path), `.${name}.${suffix}.tmp`);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Describes why writing `path` failed, and what the user can do about it. */
function describeFailure(path: string, code: string | undefined, error: unknown): string {
  const folder = dirname(path);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return (
        `the folder ${folder} is not writable (${code}); ` +
        'choose another --out folder or change its permissions'
      );
    case 'EROFS':
      return `the folder ${folder} is on a read-only file system; choose another --out folder`;
    case 'ENOENT':
      return `the folder ${folder} does not exist; create it or choose another --out folder`;
    case 'ENOTDIR':
      return `a part of ${folder} is a file, not a folder; choose another --out folder`;
    case 'EISDIR':
      return `${path} is a folder; choose a file name that no folder uses`;
    case 'ENOSPC':
    case 'EDQUOT':
      return (
        `no space left on the device of ${folder} (${code}); ` +
        'free disk space or choose another --out folder'
      );
    default:
      return messageOf(error);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface WriteState {
  temporary: string;
  renamed: boolean;
  cleanupError: unknown;
}

function failure(path: string, error: unknown, state: WriteState): AtomicWriteError {
  const code = errorCode(error);
  let message: string;
  if (state.renamed) {
    message =
      `failed to flush the folder of ${path} to disk: ${messageOf(error)}; ` +
      'the new file is in place, but the rename may not survive a crash';
  } else {
    message = `failed to write ${path}: ${describeFailure(path, code, error)}`;
  }
  if (state.cleanupError !== undefined) {
    message +=
      `; the temporary file ${state.temporary} could not be removed either ` +
      `(${messageOf(state.cleanupError)})`;
  }
  return new AtomicWriteError(path, message, code, error);
}

/** Error codes of file systems that do not support fsync on a folder. */
const FOLDER_FSYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EISDIR']);

/**
 * Flushes the folder entry, so the rename itself survives a crash. Windows rejects fsync on a
 * folder handle with EPERM, so the step is skipped there and the rename may not be durable.
 */
function fsyncFolderSync(folder: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!FOLDER_FSYNC_UNSUPPORTED.has(errorCode(error) ?? '')) throw error;
  } finally {
    closeSync(fd);
  }
}

async function fsyncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } catch (error) {
    if (!FOLDER_FSYNC_UNSUPPORTED.has(errorCode(error) ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` (a string is written as UTF-8) to `path` atomically. On failure the previous
 * file, if any, is unchanged, the temporary file is removed, and an AtomicWriteError names the
 * path, the reason and a fix. The new file gets mode 0o644 minus the umask, not the mode of the
 * file it replaces.
 */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const state: WriteState = {
    temporary: temporaryPath(path),
    renamed: false,
    cleanupError: undefined,
  };
  let fd: number | undefined;
  let created = false;
  try {
    // 'wx' fails rather than truncate a file that happens to have the temporary name.
    fd = openSync(state.temporary, 'wx', 0o644);
    created = true;
    writeFileSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(state.temporary, path);
    state.renamed = true;
    fsyncFolderSync(dirname(path));
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // The write already failed; a second error from close adds nothing the user can act on.
      }
    }
    if (created && !state.renamed) {
      try {
        rmSync(state.temporary, { force: true });
      } catch (caught) {
        state.cleanupError = caught;
      }
    }
    throw failure(path, error, state);
  }
}

/** Writes `data` to `path` atomically, like writeFileAtomicSync but without blocking. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const state: WriteState = {
    temporary: temporaryPath(path),
    renamed: false,
    cleanupError: undefined,
  };
  let handle: FileHandle | undefined;
  let created = false;
  try {
    handle = await open(state.temporary, 'wx', 0o644);
    created = true;
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(state.temporary, path);
    state.renamed = true;
    await fsyncFolder(dirname(path));
  } catch (error) {
    await handle?.close().catch(() => undefined);
    if (created && !state.renamed) {
      try {
        await rm(state.temporary, { force: true });
      } catch (caught) {
        state.cleanupError = caught;
      }
    }
    throw failure(path, error, state);
  }
}
