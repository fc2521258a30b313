/**
 * Contrast limits and gamma, as napari applies them: t = clamp((v − lo)/(hi − lo), 0, 1)^γ.
 * The fragment shader (renderer/viewer/gpu/shaders.ts) implements the same formula on the raw
 * float value, so 16-bit and float data are shown without quantisation before this step.
 */
export interface Contrast {
  lo: number;
  hi: number;
  gamma: number;
}

export function normalise(v: number, c: Contrast): number {
  if (Number.isNaN(v)) return 0;
  let t: number;
  if (c.hi > c.lo) t = (v - c.lo) / (c.hi - c.lo);
  else t = v >= c.hi ? 1 : 0; // degenerate limits: a threshold at hi
  t = Math.min(1, Math.max(0, t));
  return c.gamma === 1 ? t : Math.pow(t, c.gamma);
}

/** Limits symmetric about zero, for difference images shown with the diverging colormap. */
export function symmetricLimits(lo: number, hi: number): [number, number] {
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  return [-m, m];
}

/** The gamma slider is logarithmic (napari's range 0.2–2 on a log scale is too narrow for MRI). */
export const GAMMA_RANGE: [number, number] = [0.1, 10];
export function clampGamma(g: number): number {
  if (!Number.isFinite(g) || g <= 0) throw new Error(`gamma must be a positive number, got ${g}`);
  return Math.min(GAMMA_RANGE[1], Math.max(GAMMA_RANGE[0], g));
}
