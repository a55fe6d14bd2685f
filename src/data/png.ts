/**
 * PNG output through pngjs.
 */
import { PNG, type ColorType } from 'pngjs';

/** PNG color types by channel count: gray, RGB, RGBA. */
const COLOR_TYPES: Record<1 | 3 | 4, ColorType> = { 1: 0, 3: 2, 4: 6 };

/** Encodes interleaved 8-bit pixels [height, width, channels] as an 8-bit PNG file. */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): Buffer {
  const colorType = COLOR_TYPES[channels];
  if (colorType === undefined) {
    throw new RangeError(`encodePng: channels must be 1, 3 or 4, got ${channels}`);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`encodePng: size ${width}x${height} must be positive integers`);
  }
  if (pixels.length !== width * height * channels) {
    throw new RangeError(
      `encodePng: expected ${width * height * channels} bytes for ${width}x${height}x` +
        `${channels} pixels, got ${pixels.length}`,
    );
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  // Equal input and output color types make pngjs write the bytes without conversion.
  return PNG.sync.write(png, { colorType, inputColorType: colorType });
}
