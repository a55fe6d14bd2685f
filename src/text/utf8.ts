/** UTF-8 checks with byte offsets, and an incremental decoder that emits whole characters. */
import { DataError } from '../data/errors.js';

/**
 * Returns the byte offset of the first malformed UTF-8 sequence in `bytes`, or -1 when all of
 * it is valid. Follows the well-formed byte sequences of Unicode 15, table 3-7: overlong forms,
 * surrogates (ED A0..BF) and values above U+10FFFF are malformed.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    if (i + length > bytes.length) return i;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k]!;
      if (next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * Decodes a text file's bytes. Raises DataError naming `source` and the byte offset when the
 * bytes contain a NUL (a binary file) or are not valid UTF-8. A leading byte order mark is
 * dropped.
 */
export function decodeUtf8File(bytes: Uint8Array, source: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new DataError(
      `${source} is a binary file (NUL byte at offset ${nul}), not text; pass UTF-8 text ` +
        'files only, or remove this file from the folder',
    );
  }
  const invalid = firstInvalidUtf8(bytes);
  if (invalid >= 0) {
    const context = Array.from(bytes.subarray(invalid, invalid + 4), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join(' ');
    throw new DataError(
      `${source} is not valid UTF-8: invalid byte sequence at offset ${invalid} (${context}); ` +
        'convert the file to UTF-8, for instance with iconv -f LATIN1 -t UTF-8',
    );
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * Turns a stream of bytes into text, holding back an incomplete UTF-8 sequence at the end until
 * its remaining bytes arrive. Malformed bytes become U+FFFD, because a sampled byte sequence
 * need not be valid.
 */
export class Utf8StreamDecoder {
  readonly #decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  /** Returns the characters completed by `bytes`. */
  push(bytes: Uint8Array): string {
    return this.#decoder.decode(bytes, { stream: true });
  }

  /** Returns what is left, with U+FFFD for a sequence that never completed. */
  end(): string {
    return this.#decoder.decode();
  }
}
