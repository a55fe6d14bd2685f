/** Errors raised by the image metrics. */

/**
 * An input that a metric cannot use: too few samples for the feature dimension, feature sets
 * of different sizes, or a classifier trained for other data.
 */
export class MetricsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Throws unless `features` is a 2-D [N, D] matrix; `what` names it in the message. */
export function checkFeatureMatrix(shape: readonly number[], what: string): [number, number] {
  if (shape.length !== 2) {
    throw new MetricsError(`${what} must be a [samples, features] matrix, got shape [${shape}]`);
  }
  return shape as [number, number];
}

/** Throws unless two feature matrices have the same feature dimension. */
export function checkSameDimension(a: readonly number[], b: readonly number[]): void {
  if (a[1] !== b[1]) {
    throw new MetricsError(
      `feature sets have ${a[1]} and ${b[1]} dimensions; extract both with the same classifier`,
    );
  }
}
