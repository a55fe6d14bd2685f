/**
 * Draws the first images of an IDX images file as a PNG grid, so that samples written by the
 * PyTorch peer (`dcgan_torch.py --samples-out`) can be drawn beside aigc's own grids.
 *
 * Usage: node dist/bench/dcgan/idx-grid.js IDX_FILE OUT.png [--count 64] [--columns 8]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { imageGrid } from '../../src/data/grid.js';
import { readIdxImages } from '../../src/data/idx.js';
import { toUnitRange } from '../../src/data/image-set.js';
import { encodePng } from '../../src/data/png.js';

const { values, positionals } = parseArgs({
  options: {
    count: { type: 'string', default: '64' },
    columns: { type: 'string', default: '8' },
  },
  allowPositionals: true,
});
if (positionals.length !== 2) {
  console.error(
    'usage: node dist/bench/dcgan/idx-grid.js IDX_FILE OUT.png [--count N] [--columns N]',
  );
  process.exit(2);
}
const [input, output] = positionals as [string, string];
const { count, height, width, pixels } = readImages(input);
const drawn = Math.min(count, Number(values.count));
const columns = Number(values.columns);
if (!Number.isInteger(drawn) || drawn < 1 || !Number.isInteger(columns) || columns < 1) {
  console.error(
    `--count and --columns must be positive integers, got ${values.count} and ${values.columns}`,
  );
  process.exit(2);
}
const grid = imageGrid(
  toUnitRange(pixels.subarray(0, drawn * height * width)),
  drawn,
  1,
  height,
  width,
  {
    columns,
    padding: 2,
  },
);
writeFileSync(output, encodePng(grid.pixels, grid.width, grid.height, 1));
console.log(`${output}: ${drawn} images of ${input}, ${columns} per row`);

/** Reads the IDX images file, or exits with the reader's message when it cannot be used. */
function readImages(path: string): ReturnType<typeof readIdxImages> {
  try {
    return readIdxImages(path);
  } catch (error) {
    console.error(`idx-grid: ${(error as Error).message}`);
    process.exit(1);
  }
}
