/**
 * Which planes feed the network for a target plane (docs/method.md §2). Pure and dependency-free so
 * that the engine's sampler (main/engine/sampler.ts re-exports it) and the app's neighbour diagram
 * use the very same function.
 */
import type { Mode } from '../config/training.ts';

/**
 * Input plane indices for target plane i, in stack order (i−k … i+k).
 * - copy mode: 1+2k planes i−k…i+k (plane i itself is the middle channel; the target comes from
 *   another copy, so it cannot leak), out-of-range indices clamped into [0, depth−1];
 * - self mode: 2k planes i−k…i−1, i+1…i+k; an index that clamps onto i itself is replaced by the
 *   nearest plane on the other side, so the target plane never appears in the input.
 */
export function channelPlanes(i: number, depth: number, mode: Mode, k: number): number[] {
  if (!Number.isInteger(k) || k < 0) throw new Error(`K must be an integer ≥ 0 (got ${k})`);
  if (i < 0 || i >= depth) throw new Error(`plane ${i} outside a stack of ${depth} planes`);
  const clamp = (j: number) => Math.min(depth - 1, Math.max(0, j));
  const out: number[] = [];
  if (mode === 'copy') {
    for (let o = -k; o <= k; o++) out.push(clamp(i + o));
    return out;
  }
  if (k < 1) throw new Error('self-supervised mode needs K ≥ 1');
  if (depth < 2) throw new Error('self-supervised mode needs at least 2 planes');
  for (let o = -k; o <= k; o++) {
    if (o === 0) continue;
    let j = clamp(i + o);
    // The clamped neighbour fell onto the target: take the nearest plane on the other side.
    if (j === i) j = clamp(i + (o < 0 ? 1 : -1));
    out.push(j);
  }
  return out;
}

/**
 * Minimum number of planes a layout needs: 2K+1, so that at least one plane has all its K
 * neighbours on both sides (fewer would train on clamped copies only). The CLI turns a shortfall
 * into a one-line error.
 */
export function minPlanes(mode: Mode, k: number): number {
  return mode === 'self' ? Math.max(3, 2 * k + 1) : 2 * k + 1;
}
