/** Errors raised while reading, checking or downloading datasets and image files. */

/** An input that cannot be used: a missing path, a malformed file, or a failed download. */
export class DataError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A download for which no mirror returned a file with the expected checksum. */
export class DownloadError extends DataError {}

/** Returns an error's message, or the thrown value as a string when it is not an Error. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
