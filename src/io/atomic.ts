/**
 * Atomic file writes: the data goes to a temporary file in the target's folder, is flushed to
 * disk, and then renamed over the target, so readers see the old file or the new one, never a
 * partial one.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function temporaryPath(path: string): string {
  const suffix = `${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
  return join(dirname(path), `.${basename(path)}.${suffix}.tmp`);
}

function fsyncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `path` atomically; on failure the previous file, if any, is unchanged. */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const temporary = temporaryPath(path);
  let fd: number | null = null;
  try {
    fd = openSync(temporary, 'w', 0o644);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.byteLength) {
      written += writeSync(fd, bytes, written, bytes.byteLength - written);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temporary, path);
    fsyncFolder(dirname(path));
  } catch (error) {
    if (fd !== null) closeSync(fd);
    rmSync(temporary, { force: true });
    throw new Error(
      `cannot write ${path}: ${(error as Error).message}; check that the folder exists and is ` +
        'writable, or choose another output path',
      { cause: error },
    );
  }
}

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  writeFileAtomicSync(path, data);
}
