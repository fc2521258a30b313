/**
 * Automatic global thresholds, written to give the same numbers as scikit-image 0.19+
 * (skimage.filters.threshold_otsu / threshold_li / threshold_triangle) on float images, so results
 * can be checked against it. Values that are not finite are ignored.
 */
export type ThresholdMethod = 'otsu' | 'li' | 'triangle';

export interface Histogram {
  counts: Float64Array;
  centers: Float64Array;
  min: number;
  max: number;
}

function finiteRange(values: ArrayLike<number>): { min: number; max: number; n: number } {
  let min = Infinity;
  let max = -Infinity;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, n };
}

/** numpy.histogram(values, bins=nbins) over [min, max]: equal-width bins, the last one closed. */
export function histogram(values: ArrayLike<number>, nbins = 256): Histogram {
  const { min, max } = finiteRange(values);
  const counts = new Float64Array(nbins);
  const centers = new Float64Array(nbins);
  const width = (max - min) / nbins;
  for (let i = 0; i < nbins; i++) centers[i] = min + (i + 0.5) * width;
  if (!(max > min)) {
    if (Number.isFinite(min)) counts[0] = values.length;
    return { counts, centers, min, max };
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    let b = Math.floor(((v - min) / (max - min)) * nbins);
    if (b >= nbins) b = nbins - 1;
    counts[b]!++;
  }
  return { counts, centers, min, max };
}

/** Otsu (1979): the bin centre maximising the between-class variance. */
export function otsuThreshold(values: ArrayLike<number>, nbins = 256): number {
  const h = histogram(values, nbins);
  if (!(h.max > h.min)) return h.min;
  const { counts, centers } = h;
  const w1 = new Float64Array(nbins);
  const m1 = new Float64Array(nbins);
  let cw = 0;
  let cm = 0;
  for (let i = 0; i < nbins; i++) {
    cw += counts[i]!;
    cm += counts[i]! * centers[i]!;
    w1[i] = cw;
    m1[i] = cw > 0 ? cm / cw : NaN;
  }
  const w2 = new Float64Array(nbins);
  const m2 = new Float64Array(nbins);
  cw = 0;
  cm = 0;
  for (let i = nbins - 1; i >= 0; i--) {
    cw += counts[i]!;
    cm += counts[i]! * centers[i]!;
    w2[i] = cw;
    m2[i] = cw > 0 ? cm / cw : NaN;
  }
  let best = -1;
  let idx = 0;
  for (let i = 0; i < nbins - 1; i++) {
    const d = m1[i]! - m2[i + 1]!;
    const v = w1[i]! * w2[i + 1]! * d * d;
    // NaN (an empty class) never wins, as with numpy's argmax over finite values here.
    if (v > best) {
      best = v;
      idx = i;
    }
  }
  return centers[idx]!;
}

/**
 * Li & Lee (1993) minimum cross-entropy, by the iteration of Li & Tam (1998), as skimage does it:
 * start at the mean, tolerance half the smallest gap between distinct values.
 */
export function liThreshold(values: ArrayLike<number>): number {
  const { min, max, n } = finiteRange(values);
  if (!(max > min)) return min;
  const finite = new Float64Array(n);
  let j = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    finite[j++] = v - min;
    sum += v - min;
  }
  const sorted = Float64Array.from(finite).sort();
  let minGap = Infinity;
  for (let i = 1; i < sorted.length; i++) {
    const g = sorted[i]! - sorted[i - 1]!;
    if (g > 0 && g < minGap) minGap = g;
  }
  const tolerance = minGap / 2;
  let tNext = sum / n;
  let tCurr = -2 * tolerance;
  // The iteration converges in a handful of steps; the cap only guards against oscillation.
  for (let it = 0; it < 10000 && Math.abs(tNext - tCurr) > tolerance; it++) {
    tCurr = tNext;
    let sf = 0;
    let nf = 0;
    let sb = 0;
    let nb = 0;
    for (let i = 0; i < n; i++) {
      const v = finite[i]!;
      if (v > tCurr) {
        sf += v;
        nf++;
      } else {
        sb += v;
        nb++;
      }
    }
    const meanFore = sf / nf;
    const meanBack = sb / nb;
    if (meanBack === 0) break;
    tNext = (meanBack - meanFore) / (Math.log(meanBack) - Math.log(meanFore));
  }
  return tNext + min;
}

/**
 * Zack et al. (1977) triangle method: the bin farthest from the line joining the histogram's peak
 * and its far end — suited to a small bright foreground on a large dark background.
 */
export function triangleThreshold(values: ArrayLike<number>, nbins = 256): number {
  const h = histogram(values, nbins);
  if (!(h.max > h.min)) return h.min;
  let hist = Array.from(h.counts);
  let peak = 0;
  for (let i = 1; i < nbins; i++) if (hist[i]! > hist[peak]!) peak = i;
  const peakHeight = hist[peak]!;
  let low = 0;
  while (hist[low] === 0) low++;
  let high = nbins - 1;
  while (hist[high] === 0) high--;
  if (low === high) return h.centers[low]!;
  // Work on the longer side of the peak; mirror the histogram if that is the right side.
  const flip = peak - low < high - peak;
  if (flip) {
    hist = hist.reverse();
    low = nbins - high - 1;
    peak = nbins - peak - 1;
  }
  let width = peak - low;
  const norm = Math.sqrt(peakHeight * peakHeight + width * width);
  const ph = peakHeight / norm;
  width /= norm;
  let best = -Infinity;
  let level = low;
  for (let x = 0; x < peak - low; x++) {
    const len = ph * x - width * hist[x + low]!;
    if (len > best) {
      best = len;
      level = x + low;
    }
  }
  if (flip) level = nbins - level - 1;
  return h.centers[level]!;
}

export function computeThreshold(values: ArrayLike<number>, method: ThresholdMethod): number {
  switch (method) {
    case 'otsu':
      return otsuThreshold(values);
    case 'li':
      return liThreshold(values);
    case 'triangle':
      return triangleThreshold(values);
  }
}
