/**
 * Label colours: a 32-bit integer hash (Chris Wellons' "lowbias32") of the label id, so colours
 * are stable across sessions and neighbouring ids get unrelated colours. The labels fragment
 * shader computes the same hash with GLSL uint arithmetic; keep both in step.
 */
import type { RGB } from './colormaps.ts';

export function labelHash(id: number): number {
  let h = id >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Colour of a label in [0, 1]; channels lifted to ≥ 0.25 so no label is near-black. Label 0 is background. */
export function labelColour(id: number): RGB {
  const h = labelHash(id);
  const c = (k: number): number => 0.25 + (0.75 * ((h >>> (8 * k)) & 255)) / 255;
  return [c(0), c(1), c(2)];
}
