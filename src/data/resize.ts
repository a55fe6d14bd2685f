/**
 * Image resampling in plain TypeScript, on interleaved pixels [height, width, channels].
 *
 * Each axis is resampled on its own, which is exact for both filters used here because both are
 * separable. An axis that shrinks uses area averaging: every source pixel is weighted by the
 * length of its overlap with the output pixel (PyTorch's interpolate(mode='area') for integer
 * factors, extended to fractional ones). An axis that grows uses bilinear interpolation with
 * half-pixel centers, like PyTorch's interpolate(mode='bilinear', align_corners=False).
 */

/** The source pixels and weights that make up one output pixel along one axis. */
interface Taps {
  indices: number[];
  weights: number[];
}

/** Pixels of one image, interleaved as [height, width, channels]. */
export interface Pixels {
  data: Float32Array | Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Resamples an image to outWidth x outHeight, returning float values in the input's range. */
export function resizePixels(image: Pixels, outWidth: number, outHeight: number): Float32Array {
  const { data, width, height, channels } = image;
  if (
    !Number.isInteger(outWidth) ||
    !Number.isInteger(outHeight) ||
    outWidth < 1 ||
    outHeight < 1
  ) {
    throw new RangeError(`resizePixels: output size ${outWidth}x${outHeight} must be positive`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `resizePixels: ${data.length} values do not fit ${width}x${height}x${channels} pixels`,
    );
  }
  const rows = resampleAxis(data, height, width, channels, axisTaps(width, outWidth)); // [H, W', C]
  return resampleAxis(rows, 1, height, outWidth * channels, axisTaps(height, outHeight)); // [H', W', C]
}

/** Crops the largest centered square; when the excess is odd, the right or bottom loses more. */
export function cropCenterSquare(image: Pixels): Pixels {
  const { data, width, height, channels } = image;
  if (width === height) return image;
  const side = Math.min(width, height);
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const length = side * side * channels;
  const out = data instanceof Float32Array ? new Float32Array(length) : new Uint8Array(length);
  for (let y = 0; y < side; y++) {
    const start = ((top + y) * width + left) * channels;
    out.set(data.subarray(start, start + side * channels), y * side * channels);
  }
  return { data: out, width: side, height: side, channels };
}

/**
 * Resamples the middle axis of data laid out as [outer, inSize, inner] with one set of taps per
 * output position, returning [outer, taps.length, inner].
 */
function resampleAxis(
  data: Float32Array | Uint8Array,
  outer: number,
  inSize: number,
  inner: number,
  taps: Taps[],
): Float32Array {
  const outSize = taps.length;
  const out = new Float32Array(outer * outSize * inner);
  for (let o = 0; o < outer; o++) {
    const inBase = o * inSize * inner;
    const outBase = o * outSize * inner;
    for (let i = 0; i < outSize; i++) {
      const { indices, weights } = taps[i] as Taps;
      const target = outBase + i * inner;
      for (let t = 0; t < indices.length; t++) {
        const source = inBase + (indices[t] as number) * inner;
        const weight = weights[t] as number;
        for (let k = 0; k < inner; k++) {
          out[target + k] = (out[target + k] as number) + weight * (data[source + k] as number);
        }
      }
    }
  }
  return out;
}

function axisTaps(inSize: number, outSize: number): Taps[] {
  if (outSize < inSize) return areaTaps(inSize, outSize);
  if (outSize > inSize) return bilinearTaps(inSize, outSize);
  return Array.from({ length: outSize }, (_, i) => ({ indices: [i], weights: [1] }));
}

/** Output pixel i covers the source interval [i * scale, (i + 1) * scale). */
function areaTaps(inSize: number, outSize: number): Taps[] {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, i) => {
    const start = i * scale;
    const end = Math.min((i + 1) * scale, inSize);
    const taps: Taps = { indices: [], weights: [] };
    for (let j = Math.floor(start); j < end; j++) {
      const overlap = Math.min(end, j + 1) - Math.max(start, j);
      if (overlap <= 0) continue;
      taps.indices.push(j);
      taps.weights.push(overlap / scale);
    }
    return taps;
  });
}

/** Output pixel center i + 0.5 maps to source coordinate (i + 0.5) * scale - 0.5, clamped. */
function bilinearTaps(inSize: number, outSize: number): Taps[] {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, i) => {
    const x = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    const left = Math.floor(x);
    const right = Math.min(left + 1, inSize - 1);
    const t = x - left;
    return { indices: [left, right], weights: [1 - t, t] };
  });
}
