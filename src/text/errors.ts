/** Errors of the text pipeline that are not data errors. */

/** Text that a tokenizer cannot encode, or a serialised tokenizer that is malformed. */
export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}
