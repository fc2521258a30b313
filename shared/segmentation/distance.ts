import type { Shape3 } from './grid.ts';

/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, "Distance transforms of
 * sampled functions"): for each foreground voxel the distance to the nearest background voxel,
 * with voxel spacing (anisotropic stacks). As scipy.ndimage.distance_transform_edt, the grid's
 * border is not background: a mask without any background gets +Infinity.
 */
const FAR = 1e20;

/** One 1-D pass of squared distances f along a line, spacing `step`, into d. */
function edt1d(f: Float64Array, n: number, step: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  const s2 = step * step;
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    if (f[q]! >= FAR) continue;
    // Skip leading "infinite" samples so the parabola envelope starts at a finite one.
    if (f[v[0]!]! >= FAR) {
      v[0] = q;
      continue;
    }
    let sIntersect: number;
    for (;;) {
      const p = v[k]!;
      sIntersect = (f[q]! + s2 * q * q - (f[p]! + s2 * p * p)) / (2 * s2 * (q - p));
      if (sIntersect <= z[k]! && k > 0) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = sIntersect;
    z[k + 1] = Infinity;
  }
  if (f[v[0]!]! >= FAR) {
    for (let q = 0; q < n; q++) d[q] = FAR;
    return;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const p = v[k]!;
    d[q] = s2 * (q - p) * (q - p) + f[p]!;
  }
}

export function distanceTransform(mask: ArrayLike<number>, s: Shape3, spacing: { z: number; y: number; x: number } = { z: 1, y: 1, x: 1 }): Float32Array {
  const n = s.depth * s.height * s.width;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) sq[i] = mask[i] ? FAR : 0;
  const maxLen = Math.max(s.depth, s.height, s.width);
  const f = new Float64Array(maxLen);
  const d = new Float64Array(maxLen);
  const v = new Int32Array(maxLen);
  const zb = new Float64Array(maxLen + 1);
  const plane = s.height * s.width;
  const pass = (len: number, stride: number, step: number, starts: Iterable<number>): void => {
    if (len < 1) return;
    for (const base of starts) {
      for (let i = 0; i < len; i++) f[i] = sq[base + i * stride]!;
      edt1d(f, len, step, d, v, zb);
      for (let i = 0; i < len; i++) sq[base + i * stride] = d[i]!;
    }
  };
  function* rowStarts(): Iterable<number> {
    for (let z = 0; z < s.depth; z++) for (let y = 0; y < s.height; y++) yield z * plane + y * s.width;
  }
  function* colStarts(): Iterable<number> {
    for (let z = 0; z < s.depth; z++) for (let x = 0; x < s.width; x++) yield z * plane + x;
  }
  function* pillarStarts(): Iterable<number> {
    for (let i = 0; i < plane; i++) yield i;
  }
  pass(s.width, 1, spacing.x, rowStarts());
  pass(s.height, s.width, spacing.y, colStarts());
  if (s.depth > 1) pass(s.depth, plane, spacing.z, pillarStarts());
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = sq[i]! >= FAR ? Infinity : Math.sqrt(sq[i]!);
  return out;
}
