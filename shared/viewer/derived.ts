/**
 * Derived images for comparison: the difference of two layers (e.g. denoised − reference) and the
 * neighbour-plane residual r_z = x_z − (x_{z−1} + x_{z+1})/2 of Papkov et al. 2021, Figure 1, which
 * shows what plane z carries that its neighbours do not (noise, if the sampling is dense enough).
 * At the first and last plane the one existing neighbour stands in for the mean.
 */
import type { Dims } from './reslice.ts';

export function difference(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new Error(`cannot subtract stacks of ${a.length} and ${b.length} voxels`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

export function neighbourResidual(data: Float32Array, d: Dims): Float32Array {
  if (d.depth < 2) throw new Error('the neighbour-plane residual needs at least 2 planes');
  const n = d.height * d.width;
  const out = new Float32Array(data.length);
  for (let z = 0; z < d.depth; z++) {
    const below = z > 0 ? (z - 1) * n : (z + 1) * n;
    const above = z < d.depth - 1 ? (z + 1) * n : (z - 1) * n;
    const o = z * n;
    for (let i = 0; i < n; i++) out[o + i] = data[o + i] - 0.5 * (data[below + i] + data[above + i]);
  }
  return out;
}
