/** Creating folders, as `mkdir -p` does. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `path` and any missing parent folders, one level at a time. Node.js 20's
 * `mkdirSync(path, { recursive: true })` never returns for a path under /proc, where creating
 * a folder fails with ENOENT although the parent exists. Here such a path fails at once with the
 * error of the first mkdir(2) that fails.
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
