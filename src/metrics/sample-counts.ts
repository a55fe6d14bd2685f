/**
 * Sample-count checks that run before the classifier is loaded or trained, so that a count
 * that could never do fails at once, with a fix that fits where the images come from.
 */
import { MetricsError } from './errors.js';

/**
 * Throws unless `count` images suffice for FID in `featureDim` dimensions. `fix` is the advice
 * that ends the message.
 */
export function checkSampleCount(
  count: number,
  featureDim: number,
  subject: string,
  fix: string,
): void {
  if (count <= featureDim) {
    throw new MetricsError(
      `${subject}: ${count} images, but FID needs more samples than the classifier's ` +
        `${featureDim} feature dimensions for a full-rank covariance; ${fix}`,
    );
  }
}

/**
 * Throws unless the reference split of `data` has enough images. With a single split
 * (`heldOut`), the reference is the sixth of it that the classifier does not train on.
 */
export function checkReferenceCount(
  reference: { count: number; source: string },
  featureDim: number,
  data: string,
  heldOut: boolean,
): void {
  const needed = featureDim + 1;
  const fewerFeatures =
    `or train a classifier with fewer features: aigc train classifier --data ${data} ` +
    '--feature-dim N';
  const fix = heldOut
    ? `${data} has a single split, and a sixth of it is held out as the reference, so it ` +
      `needs at least ${needed * 6} images; add images, ${fewerFeatures}`
    : `use a test split with at least ${needed} images, ${fewerFeatures}`;
  checkSampleCount(reference.count, featureDim, `the reference ${reference.source}`, fix);
}
