/**
 * Animated GIF output through gifenc, for sample grids saved across training.
 */
import gifenc from 'gifenc';

import type { RasterImage } from './grid.js';

const { GIFEncoder, applyPalette, quantize } = gifenc;

/** Options of encodeGif. */
export interface GifOptions {
  /** Time each frame is shown, in milliseconds; GIF stores hundredths of a second. Default 100. */
  delayMs?: number;
  /** Whether the animation repeats forever; default true. False plays it once. */
  loop?: boolean;
}

/** The 256 gray levels, so gray pixels index the palette by their own value. */
const GRAY_PALETTE = Array.from({ length: 256 }, (_, v) => [v, v, v]);

/**
 * Encodes frames of equal size as an animated GIF. Gray frames (1 channel) are stored exactly
 * with a 256-level gray palette. RGB and RGBA frames are quantized to 256 colors per frame,
 * and alpha is ignored.
 */
export function encodeGif(frames: readonly RasterImage[], options: GifOptions = {}): Uint8Array {
  const first = frames[0];
  if (first === undefined) throw new RangeError('encodeGif: no frames to encode');
  const { width, height } = first;
  const encoder = GIFEncoder();
  frames.forEach((frame, i) => {
    if (frame.width !== width || frame.height !== height) {
      throw new RangeError(
        `encodeGif: frame ${i} is ${frame.width}x${frame.height}, but frame 0 is ${width}x${height}`,
      );
    }
    const { index, palette } = indexFrame(frame, i);
    // Gray frames after a gray first frame reuse its global color table.
    const sharesGray = i > 0 && first.channels === 1 && palette === GRAY_PALETTE;
    encoder.writeFrame(index, width, height, {
      palette: sharesGray ? undefined : palette,
      delay: options.delayMs ?? 100,
      repeat: (options.loop ?? true) ? 0 : -1,
    });
  });
  encoder.finish();
  return encoder.bytes();
}

function indexFrame(frame: RasterImage, i: number): { index: Uint8Array; palette: number[][] } {
  const { pixels, width, height, channels } = frame;
  if (pixels.length !== width * height * channels) {
    throw new RangeError(
      `encodeGif: frame ${i} has ${pixels.length} bytes, expected ${width}x${height}x${channels}`,
    );
  }
  if (channels === 1) return { index: pixels, palette: GRAY_PALETTE };
  if (channels !== 3 && channels !== 4) {
    throw new RangeError(`encodeGif: frame ${i} has ${channels} channels, expected 1, 3 or 4`);
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    rgba[4 * p] = pixels[channels * p] as number;
    rgba[4 * p + 1] = pixels[channels * p + 1] as number;
    rgba[4 * p + 2] = pixels[channels * p + 2] as number;
    rgba[4 * p + 3] = 255;
  }
  const palette = quantize(rgba, 256);
  return { index: applyPalette(rgba, palette), palette };
}
