import type { Shape3 } from './grid.ts';

/**
 * Agreement between two segmentations and per-plane object statistics (issue 8, "Compare").
 * Object-level matching follows the usual instance-segmentation convention: a predicted object
 * matches a reference object when their IoU exceeds 0.5 (such a match is necessarily unique),
 * F1 = 2TP / (2TP + FP + FN).
 */
export interface ObjectMatch {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface PlaneAgreement extends ObjectMatch {
  z: number;
  dice: number;
}

export interface Agreement extends ObjectMatch {
  dice: number;
  perPlane: PlaneAgreement[];
}

export interface PlaneObjectStats {
  z: number;
  count: number;
  meanSize: number;
  medianSize: number;
}

function ratio(a: number, b: number, empty: number): number {
  return b === 0 ? empty : a / b;
}

/** Dice of the foreground masks (label > 0); 1 when both are empty. */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = a.length): number {
  let inter = 0;
  let sa = 0;
  let sb = 0;
  for (let i = from; i < to; i++) {
    const x = a[i]! > 0;
    const y = b[i]! > 0;
    if (x) sa++;
    if (y) sb++;
    if (x && y) inter++;
  }
  return ratio(2 * inter, sa + sb, 1);
}

function finishMatch(tp: number, nPred: number, nRef: number): ObjectMatch {
  const fp = nPred - tp;
  const fn = nRef - tp;
  return {
    tp,
    fp,
    fn,
    precision: ratio(tp, nPred, 1),
    recall: ratio(tp, nRef, 1),
    f1: ratio(2 * tp, 2 * tp + fp + fn, 1),
  };
}

/** Object matching at IoU > threshold over the voxels [from, to) of two label arrays. */
export function matchObjects(pred: ArrayLike<number>, ref: ArrayLike<number>, iou = 0.5, from = 0, to = pred.length): ObjectMatch {
  const sizeP = new Map<number, number>();
  const sizeR = new Map<number, number>();
  // Key pairs as p * 2^26 + r: exact in a double for label ids below 2^26.
  const inter = new Map<number, number>();
  const K = 67108864;
  for (let i = from; i < to; i++) {
    const p = pred[i]!;
    const r = ref[i]!;
    if (p) sizeP.set(p, (sizeP.get(p) ?? 0) + 1);
    if (r) sizeR.set(r, (sizeR.get(r) ?? 0) + 1);
    if (p && r) {
      const key = p * K + r;
      inter.set(key, (inter.get(key) ?? 0) + 1);
    }
  }
  let tp = 0;
  for (const [key, c] of inter) {
    const p = Math.floor(key / K);
    const r = key - p * K;
    const union = sizeP.get(p)! + sizeR.get(r)! - c;
    if (c / union > iou) tp++;
  }
  return finishMatch(tp, sizeP.size, sizeR.size);
}

/**
 * Compares a segmentation with a reference. mode '2d' matches objects plane by plane and sums the
 * counts (the paper segments and compares planes independently); '3d' matches whole objects.
 */
export function compareSegmentations(pred: ArrayLike<number>, ref: ArrayLike<number>, s: Shape3, mode: '2d' | '3d' = '2d'): Agreement {
  const np = s.height * s.width;
  if (pred.length !== ref.length || pred.length !== s.depth * np) throw new Error('segmentations to compare must have the same shape');
  const perPlane: PlaneAgreement[] = [];
  let tp = 0;
  let nPred = 0;
  let nRef = 0;
  for (let z = 0; z < s.depth; z++) {
    const m = matchObjects(pred, ref, 0.5, z * np, (z + 1) * np);
    perPlane.push({ z, dice: dice(pred, ref, z * np, (z + 1) * np), ...m });
    tp += m.tp;
    nPred += m.tp + m.fp;
    nRef += m.tp + m.fn;
  }
  const overall = mode === '3d' ? matchObjects(pred, ref) : finishMatch(tp, nPred, nRef);
  return { dice: dice(pred, ref), ...overall, perPlane };
}

/** Number of objects and their sizes (pixels of their cross-section) in each plane. */
export function planeObjectStats(labels: ArrayLike<number>, s: Shape3): PlaneObjectStats[] {
  const np = s.height * s.width;
  const out: PlaneObjectStats[] = [];
  for (let z = 0; z < s.depth; z++) {
    const sizes = new Map<number, number>();
    for (let i = z * np; i < (z + 1) * np; i++) {
      const l = labels[i]!;
      if (l) sizes.set(l, (sizes.get(l) ?? 0) + 1);
    }
    const v = [...sizes.values()].sort((a, b) => a - b);
    const mean = v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
    const median = v.length === 0 ? 0 : v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
    out.push({ z, count: v.length, meanSize: mean, medianSize: median });
  }
  return out;
}
