/**
 * Tiling a batch of images into one picture, like torchvision.utils.make_grid.
 */
import { unitToByte } from './image-set.js';

/** Interleaved 8-bit pixels [height, width, channels], ready for encodePng or encodeGif. */
export interface RasterImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Options of imageGrid. */
export interface GridOptions {
  /** Images per row; default 8, as in make_grid, or fewer when there are fewer images. */
  columns?: number;
  /** Pixels of padding around and between images; default 2. */
  padding?: number;
  /** Padding value in the images' range [-1, 1]; default -1 (black). */
  padValue?: number;
}

/**
 * Tiles `count` images of shape [channels, height, width], with values in [-1, 1], row by row
 * into one interleaved 8-bit image. Values are mapped to 0..255 and clamped.
 */
export function imageGrid(
  images: Float32Array,
  count: number,
  channels: number,
  height: number,
  width: number,
  options: GridOptions = {},
): RasterImage {
  const size = channels * height * width;
  if (!Number.isInteger(count) || count < 1 || images.length !== count * size) {
    throw new RangeError(
      `imageGrid: expected ${count} images of ${channels}x${height}x${width} ` +
        `(${count * size} values), got ${images.length} values`,
    );
  }
  const columns = Math.min(options.columns ?? 8, count);
  const padding = options.padding ?? 2;
  if (!Number.isInteger(columns) || columns < 1 || !Number.isInteger(padding) || padding < 0) {
    throw new RangeError(`imageGrid: columns ${columns} must be >= 1 and padding ${padding} >= 0`);
  }

  const rows = Math.ceil(count / columns);
  const gridWidth = columns * (width + padding) + padding;
  const gridHeight = rows * (height + padding) + padding;
  const pixels = new Uint8Array(gridWidth * gridHeight * channels);
  pixels.fill(unitToByte(options.padValue ?? -1));

  for (let i = 0; i < count; i++) {
    const left = (i % columns) * (width + padding) + padding;
    const top = Math.floor(i / columns) * (height + padding) + padding;
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        const source = i * size + (c * height + y) * width; // image i, plane c, row y
        const target = ((top + y) * gridWidth + left) * channels + c;
        for (let x = 0; x < width; x++) {
          pixels[target + x * channels] = unitToByte(images[source + x] as number);
        }
      }
    }
  }
  return { pixels, width: gridWidth, height: gridHeight, channels };
}
