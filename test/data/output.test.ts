import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { PNG } from 'pngjs';

import { encodeGif } from '../../src/data/gif.js';
import { imageGrid } from '../../src/data/grid.js';
import { fromUnitRange, toUnitRange } from '../../src/data/image-set.js';
import { encodePng } from '../../src/data/png.js';

/** The parts of a GIF stream that encodeGif controls. */
interface GifSummary {
  width: number;
  height: number;
  frames: number;
  /** Delay of each frame in hundredths of a second. */
  delays: number[];
  /** NETSCAPE2.0 loop count, or null without that extension. */
  loopCount: number | null;
}

/** Walks the GIF block structure (GIF89a specification, sections 17-27). */
function parseGif(bytes: Uint8Array): GifSummary {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const summary: GifSummary = {
    width: view.getUint16(6, true),
    height: view.getUint16(8, true),
    frames: 0,
    delays: [],
    loopCount: null,
  };
  let offset = 13;
  const packed = bytes[10] as number;
  if (packed & 0x80) offset += 3 << ((packed & 7) + 1); // global color table
  const skipSubBlocks = () => {
    while (bytes[offset] !== 0) offset += (bytes[offset] as number) + 1;
    offset += 1;
  };
  for (;;) {
    const introducer = bytes[offset];
    if (introducer === 0x3b) return summary; // trailer
    if (introducer === 0x21) {
      const label = bytes[offset + 1];
      if (label === 0xf9) summary.delays.push(view.getUint16(offset + 4, true));
      if (
        label === 0xff &&
        String.fromCharCode(...bytes.subarray(offset + 3, offset + 14)) === 'NETSCAPE2.0'
      ) {
        summary.loopCount = view.getUint16(offset + 16, true);
      }
      offset += 2;
      skipSubBlocks();
    } else if (introducer === 0x2c) {
      summary.frames += 1;
      const local = bytes[offset + 9] as number;
      offset += 10;
      if (local & 0x80) offset += 3 << ((local & 7) + 1); // local color table
      offset += 1; // LZW minimum code size
      skipSubBlocks();
    } else {
      throw new Error(`unexpected GIF block 0x${introducer?.toString(16)} at offset ${offset}`);
    }
  }
}

describe('encodePng', () => {
  for (const channels of [1, 3, 4] as const) {
    test(`${channels} channels decode back`, () => {
      const pixels = Uint8Array.from({ length: 5 * 3 * channels }, (_, i) => (i * 17) % 256);
      const png = PNG.sync.read(encodePng(pixels, 5, 3, channels));
      assert.equal(png.width, 5);
      assert.equal(png.height, 3);
      for (let p = 0; p < 15; p++) {
        const rgba = Array.from(png.data.subarray(4 * p, 4 * p + 4));
        const source = Array.from(pixels.subarray(channels * p, channels * (p + 1)));
        const expected =
          channels === 1
            ? [source[0], source[0], source[0], 255]
            : channels === 3
              ? [...source, 255]
              : source;
        assert.deepEqual(rgba, expected, `pixel ${p}`);
      }
    });
  }

  test('rejects a size mismatch', () => {
    assert.throws(
      () => encodePng(new Uint8Array(5), 2, 2, 1),
      /expected 4 bytes for 2x2x1 pixels, got 5/,
    );
  });
});

describe('imageGrid', () => {
  test('tiles images with padding, maps and clamps values', () => {
    // Three 1-channel 2x2 images, two columns, one pixel of padding.
    const images = Float32Array.from([-1, 1, 0, 3, 1, 1, 1, 1, -1, -1, -1, -2]);
    const grid = imageGrid(images, 3, 1, 2, 2, { columns: 2, padding: 1, padValue: 1 });
    assert.equal(grid.width, 2 * 3 + 1);
    assert.equal(grid.height, 2 * 3 + 1);
    assert.equal(grid.channels, 1);
    const row = (y: number) => Array.from(grid.pixels.subarray(y * 7, (y + 1) * 7));
    assert.deepEqual(row(0), [255, 255, 255, 255, 255, 255, 255]);
    assert.deepEqual(row(1), [255, 0, 255, 255, 255, 255, 255]);
    assert.deepEqual(row(2), [255, 128, 255, 255, 255, 255, 255]);
    assert.deepEqual(row(4), [255, 0, 0, 255, 255, 255, 255]);
    assert.deepEqual(row(5), [255, 0, 0, 255, 255, 255, 255]);
  });

  test('RGB grid encodes as PNG', () => {
    const images = new Float32Array(2 * 3 * 4 * 4).fill(-1);
    images.fill(1, 0, 16); // red plane of image 0
    const grid = imageGrid(images, 2, 3, 4, 4);
    assert.equal(grid.width, 2 * 6 + 2);
    const png = PNG.sync.read(encodePng(grid.pixels, grid.width, grid.height, 3));
    assert.deepEqual(
      Array.from(png.data.subarray(4 * (2 * grid.width + 2), 4 * (2 * grid.width + 2) + 4)),
      [255, 0, 0, 255],
    );
  });

  test('unit range helpers round trip bytes', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.deepEqual(fromUnitRange(toUnitRange(bytes)), bytes);
    assert.deepEqual(Array.from(fromUnitRange(Float32Array.from([-5, 5, NaN]))), [0, 255, 0]);
  });
});

describe('encodeGif', () => {
  test('gray frames: header, size, frame count, delay and loop', () => {
    const frames = [0, 1, 2].map((f) => ({
      pixels: Uint8Array.from({ length: 6 * 4 }, (_, i) => (i * 10 + f) % 256),
      width: 6,
      height: 4,
      channels: 1,
    }));
    const gif = encodeGif(frames, { delayMs: 250 });
    assert.equal(Buffer.from(gif.subarray(0, 6)).toString('latin1'), 'GIF89a');
    const summary = parseGif(gif);
    assert.equal(summary.width, 6);
    assert.equal(summary.height, 4);
    assert.equal(summary.frames, 3);
    assert.deepEqual(summary.delays, [25, 25, 25]);
    assert.equal(summary.loopCount, 0);
  });

  test('RGB frames, played once', () => {
    const frame = {
      pixels: Uint8Array.from({ length: 5 * 5 * 3 }, (_, i) => (i * 40) % 256),
      width: 5,
      height: 5,
      channels: 3,
    };
    const summary = parseGif(encodeGif([frame, frame], { loop: false }));
    assert.equal(summary.frames, 2);
    assert.equal(summary.loopCount, null);
  });

  test('rejects frames of different sizes', () => {
    const a = { pixels: new Uint8Array(4), width: 2, height: 2, channels: 1 };
    const b = { pixels: new Uint8Array(6), width: 3, height: 2, channels: 1 };
    assert.throws(() => encodeGif([a, b]), /frame 1 is 3x2, but frame 0 is 2x2/);
    assert.throws(() => encodeGif([]), /no frames/);
  });
});
