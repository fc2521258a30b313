/**
 * Mean and 95 % confidence interval of a per-plane metric over several stacks (docs/method.md §7: the
 * per-plane PSNR curve with a 95 % band over stacks). The interval is Student-t based,
 * mean ± t(0.975, n−1)·sd/√n, so it is honest for the handful of stacks a study has.
 */

// Two-sided 95 % Student-t quantiles t(0.975, df) for df = 1…30 (standard tables).
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
// Beyond 30, interpolate linearly in 1/df between table points (40, 60, 120, ∞).
const TAIL: Array<[number, number]> = [
  [30, 2.042],
  [40, 2.021],
  [60, 2.0],
  [120, 1.98],
  [Infinity, 1.96],
];

export function tQuantile975(df: number): number {
  if (!(df >= 1)) throw new Error(`degrees of freedom must be ≥ 1, got ${df}`);
  if (df <= 30 && Number.isInteger(df)) return T975[df - 1];
  for (let i = 0; i < TAIL.length - 1; i++) {
    const [d0, t0] = TAIL[i];
    const [d1, t1] = TAIL[i + 1];
    if (df <= d1) {
      const u = (1 / d0 - 1 / df) / (1 / d0 - (d1 === Infinity ? 0 : 1 / d1));
      return t0 + u * (t1 - t0);
    }
  }
  return 1.96;
}

export interface Band {
  mean: number;
  low: number;
  high: number;
  n: number;
}

/** Mean and 95 % CI of a sample; with one value the band collapses to it. */
export function confidenceBand(values: number[]): Band {
  const n = values.length;
  if (n === 0) throw new Error('confidence band of no values');
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { mean, low: mean, high: mean, n };
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { mean, low: mean - half, high: mean + half, n };
}

/** Per-plane bands over stacks: curves[s][z] is stack s's metric at plane z (equal lengths). */
export function perPlaneBands(curves: number[][]): Band[] {
  if (curves.length === 0) return [];
  const depth = curves[0].length;
  if (curves.some((c) => c.length !== depth)) throw new Error('per-plane curves differ in length');
  return Array.from({ length: depth }, (_, z) => confidenceBand(curves.map((c) => c[z])));
}
