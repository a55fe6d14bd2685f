/** Shared fixtures for the data tests: temporary folders, synthetic IDX sets and a local server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { encodeIdx } from '../../src/data/idx.js';

/** Creates a fresh temporary folder; the returned function removes it. */
export function makeTempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'aigc-data-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic pixel bytes for `count` images of height x width. */
export function syntheticPixels(count: number, height: number, width: number): Uint8Array {
  return Uint8Array.from({ length: count * height * width }, (_, i) => (i * 37 + 11) % 256);
}

/** Encodes `count` synthetic images and labels (label of image i: i % 10) as gzip IDX files. */
export function syntheticIdxPair(count: number, height = 4, width = 3) {
  const pixels = syntheticPixels(count, height, width);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return {
    pixels,
    labels,
    imagesFile: encodeIdx(pixels, [count, height, width], { gzip: true }),
    labelsFile: encodeIdx(labels, [count], { gzip: true }),
  };
}

/** Starts a server on 127.0.0.1 with a random port; `handler` serves every request. */
export async function startServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return { url: `http://127.0.0.1:${port}`, requests, close };
}

/** Returns a port on 127.0.0.1 that nothing listens on, by binding it and closing it again. */
export async function closedPortUrl(): Promise<string> {
  const { url, close } = await startServer((_, response) => response.end());
  await close();
  return url;
}
