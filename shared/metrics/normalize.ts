/**
 * Normalisation before scoring microscopy (docs/method.md §7, as CSBDeep's evaluation does it): the
 * reference is scaled by its 0.1 and 99.9 percentiles, then the prediction is mapped by the affine
 * transform a·x + b that minimises its squared error to the normalised reference. Without the fit,
 * a method would be penalised for an intensity scale that carries no information (e.g. low exposure
 * having 1/5 of the photons).
 */

/** numpy.percentile with the default 'linear' interpolation, q in [0, 100]. */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new Error('percentile of an empty array');
  const sorted = Float64Array.from(values).sort();
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** (x − p_low) / (p_high − p_low) with the percentiles of x itself. */
export function percentileNormalize(x: ArrayLike<number>, low = 0.1, high = 99.9): Float64Array {
  const a = percentile(x, low);
  const b = percentile(x, high);
  const scale = b - a > 1e-20 ? 1 / (b - a) : 1;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - a) * scale;
  return out;
}

/** Least-squares a, b minimising Σ(a·x + b − y)². A constant x gets a = 0, b = mean(y). */
export function affineFit(x: ArrayLike<number>, y: ArrayLike<number>): { scale: number; offset: number } {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const scale = sxx > 0 ? sxy / sxx : 0;
  return { scale, offset: my - scale * mx };
}

/** The reference normalised by percentiles and the prediction affinely fitted to it. */
export function percentileAffine(
  prediction: ArrayLike<number>,
  reference: ArrayLike<number>,
): { prediction: Float64Array; reference: Float64Array } {
  const ref = percentileNormalize(reference);
  const { scale, offset } = affineFit(prediction, ref);
  const pred = new Float64Array(prediction.length);
  for (let i = 0; i < pred.length; i++) pred[i] = scale * prediction[i] + offset;
  return { prediction: pred, reference: ref };
}
