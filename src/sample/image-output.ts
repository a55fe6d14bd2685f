/** Writing generated images: grids and one PNG per image, atomically. */
import { join } from 'node:path';

import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { imageGrid, type RasterImage } from '../data/grid.js';
import { encodePng } from '../data/png.js';
import { writeFileAtomic } from '../io/atomic.js';
import { makeFolder } from '../io/folders.js';

/** Copies images [N, C, H, W] in [-1, 1] to the host. */
export function imagesToHost(images: Tensor): {
  data: Float32Array;
  count: number;
  channels: number;
  height: number;
  width: number;
} {
  const [count, channels, height, width] = images.shape as [number, number, number, number];
  const data = tidy(() => images.detach().float().toTypedArray() as Float32Array);
  return { data, count, channels, height, width };
}

/** Tiles images [N, C, H, W] in [-1, 1] into one picture, `columns` per row. */
export function gridOf(images: Tensor, columns: number): RasterImage {
  const host = imagesToHost(images);
  return imageGrid(host.data, host.count, host.channels, host.height, host.width, {
    columns,
    padding: 2,
  });
}

export async function writeRaster(path: string, image: RasterImage): Promise<void> {
  const channels = image.channels as 1 | 3 | 4;
  await writeFileAtomic(path, encodePng(image.pixels, image.width, image.height, channels));
}

/** Writes images [N, C, H, W] as a grid PNG with `columns` per row (default: a square). */
export async function writeImageGrid(path: string, images: Tensor, columns?: number) {
  const count = images.size(0);
  await writeRaster(path, gridOf(images, columns ?? Math.ceil(Math.sqrt(count))));
}

/** Writes each image as DIR/NNNNN.png; returns the paths. */
export async function writeSeparateImages(dir: string, images: Tensor): Promise<string[]> {
  makeFolder(dir);
  const host = imagesToHost(images);
  const size = host.channels * host.height * host.width;
  const paths: string[] = [];
  for (let i = 0; i < host.count; i++) {
    const one = imageGrid(
      host.data.subarray(i * size, (i + 1) * size),
      1,
      host.channels,
      host.height,
      host.width,
      { columns: 1, padding: 0 },
    );
    const path = join(dir, `${String(i).padStart(5, '0')}.png`);
    await writeRaster(path, one);
    paths.push(path);
  }
  return paths;
}
