/** Creating folders, as `mkdir -p` does. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `path` and any missing parent folders, one level at a time. Under /proc, mkdir(2)
 * fails with ENOENT although the parent exists, and Node.js 20.20's
 * `mkdirSync(path, { recursive: true })` spins there instead of failing (it had not returned
 * after 10 minutes). Here such a path fails at once with the error of the first mkdir(2).
 */
export function makeFolder(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  while (!existsSync(current)) {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (existsSync(current) && !statSync(current).isDirectory()) {
    throw new Error(`${current} exists and is not a folder`);
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      // Another process may have created it in the meantime.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
