/**
 * Errors raised by the engine. libtorch's error types map to subclasses of TorchError, so a
 * caller can tell a bad index from a shape mismatch or an allocation failure.
 */

/** An error raised by libtorch or by the addon's argument checks. */
export class TorchError extends Error {
  /** The native op that failed, such as 'matmul'. */
  op = '';

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An index out of range (libtorch's IndexError). */
export class TorchIndexError extends TorchError {}

/** A value outside what an op accepts (libtorch's ValueError). */
export class TorchValueError extends TorchError {}

/** An argument of the wrong kind or dtype (libtorch's TypeError). */
export class TorchTypeError extends TorchError {}

/** An op the linked libtorch does not implement for these arguments. */
export class TorchNotImplementedError extends TorchError {}

/** A failed linear-algebra routine, such as a singular matrix. */
export class TorchLinAlgError extends TorchError {}

/** An allocation that failed on the host or on a device. */
export class TorchOutOfMemoryError extends TorchError {}

/** The use of a tensor after dispose(), or after the scope that owned it ended. */
export class DisposedTensorError extends TorchError {}

/** The classes in the order of the addon's error kinds (native/common.h, ErrorKind). */
export const ERROR_CLASSES = [
  TorchError,
  TorchIndexError,
  TorchValueError,
  TorchTypeError,
  TorchNotImplementedError,
  TorchLinAlgError,
  TorchOutOfMemoryError,
  DisposedTensorError,
] as const;
