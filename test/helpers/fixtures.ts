/** Loads the PyTorch reference outputs that test/fixtures/make_fixtures.py wrote. */
import { readFileSync } from 'node:fs';

import { type DType, type Tensor, tensor } from '../../src/index.js';

/** One tensor as the script stores it: its shape and its elements in row-major order. */
export interface PackedTensor {
  shape: number[];
  data: number[];
}

export type Fixture = Record<string, unknown>;

// Compiled tests run from dist/test/helpers, three levels below the repository root.
const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);

/** Reads test/fixtures/<name>.json. */
export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as Fixture;
}

/** Returns the stored tensor `key` of `fixture`, as float64 unless `dtype` is given. */
export function fixtureTensor(fixture: Fixture, key: string, dtype: DType = 'float64'): Tensor {
  const packed = fixture[key] as PackedTensor | undefined;
  if (packed === undefined) throw new Error(`fixture has no tensor '${key}'`);
  if (dtype === 'int64') {
    return tensor(BigInt64Array.from(packed.data.map(BigInt)), { shape: packed.shape });
  }
  const float64 = tensor(Float64Array.from(packed.data), { shape: packed.shape });
  if (dtype === 'float64') return float64;
  const converted = float64.to(dtype);
  float64.dispose();
  return converted;
}

/** Returns the elements of the stored tensor `key`. */
export function fixtureValues(fixture: Fixture, key: string): number[] {
  const packed = fixture[key] as PackedTensor | undefined;
  if (packed === undefined) throw new Error(`fixture has no tensor '${key}'`);
  return packed.data;
}
