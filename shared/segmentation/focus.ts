import type { Shape3 } from './grid.ts';

/**
 * Leaves out-of-focus planes of 3-D objects unlabelled. In a widefield z-stack every nucleus
 * shines, blurred, into the planes above and below it; a global threshold over the volume keeps
 * that haze as part of the object, so the labels run through planes where the nucleus is not.
 * For each object, the mean (smoothed) intensity above the background is measured plane by
 * plane; the object keeps the run of planes around its brightest plane whose contrast is at
 * least `fraction` of that brightest plane's (0.5 = the axial full width at half maximum of the
 * object's profile). The other planes of the object are set to 0.
 *
 * Background per plane: the mean of the voxels of that plane that no object covers (the haze of
 * all nuclei raises it near focus, which is what the object's contrast should be measured
 * against). A plane covered entirely by objects falls back to the volume's background.
 *
 * Returns the number of voxels removed. `labels` is changed in place; labels keep their numbers
 * (an object may disappear entirely only if it had no plane at all, which cannot happen here:
 * its brightest plane always stays).
 */
export function keepInFocusPlanes(labels: Uint32Array, intensity: Float32Array, s: Shape3, fraction: number): number {
  if (!(fraction > 0) || s.depth < 2) return 0;
  const np = s.height * s.width;
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > max) max = labels[i]!;
  if (max === 0) return 0;
  const d = s.depth;
  const sum = new Float64Array((max + 1) * d);
  const cnt = new Float64Array((max + 1) * d);
  const bgPlane = new Float64Array(d);
  let bgAll = 0;
  let bgAllN = 0;
  for (let z = 0; z < d; z++) {
    let bs = 0;
    let bn = 0;
    for (let i = z * np, end = (z + 1) * np; i < end; i++) {
      const l = labels[i]!;
      const v = intensity[i]!;
      if (l) {
        sum[l * d + z]! += v;
        cnt[l * d + z]!++;
      } else {
        bs += v;
        bn++;
      }
    }
    bgPlane[z] = bn ? bs / bn : NaN;
    bgAll += bs;
    bgAllN += bn;
  }
  const fallback = bgAllN ? bgAll / bgAllN : 0;
  for (let z = 0; z < d; z++) if (Number.isNaN(bgPlane[z]!)) bgPlane[z] = fallback;

  // keepFrom/keepTo per label: the contiguous run of planes around the brightest one.
  const keepFrom = new Int32Array(max + 1);
  const keepTo = new Int32Array(max + 1).fill(-1);
  const contrast = new Float64Array(d);
  for (let l = 1; l <= max; l++) {
    let best = -1;
    for (let z = 0; z < d; z++) {
      const c = cnt[l * d + z]!;
      contrast[z] = c ? sum[l * d + z]! / c - bgPlane[z]! : -Infinity;
      if (c && (best < 0 || contrast[z]! > contrast[best]!)) best = z;
    }
    if (best < 0) continue;
    if (!(contrast[best]! > 0)) {
      // Not brighter than its surroundings anywhere: no focus information, keep it as it is.
      keepFrom[l] = 0;
      keepTo[l] = d - 1;
      continue;
    }
    const floor = fraction * contrast[best]!;
    let a = best;
    let b = best;
    while (a > 0 && contrast[a - 1]! >= floor) a--;
    while (b < d - 1 && contrast[b + 1]! >= floor) b++;
    keepFrom[l] = a;
    keepTo[l] = b;
  }
  let removed = 0;
  for (let z = 0; z < d; z++) {
    for (let i = z * np, end = (z + 1) * np; i < end; i++) {
      const l = labels[i]!;
      if (l && (z < keepFrom[l]! || z > keepTo[l]!)) {
        labels[i] = 0;
        removed++;
      }
    }
  }
  return removed;
}
