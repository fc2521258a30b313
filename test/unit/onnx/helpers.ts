/** Shared helpers of the ONNX tests: seeded data, error measures, Debian's python3 as a reference. */
import { spawnSync } from 'node:child_process';
import { createRng } from '../../../shared/random.ts';

/** Debian's interpreter (has python3-onnx, numpy, yaml); `python3` on PATH may be another one. */
export const PYTHON = '/usr/bin/python3';

export function seededUniform(n: number, seed: number, lo = 0, hi = 1): Float32Array {
  const rng = createRng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.next();
  return a;
}

/** max |a − b| / max |b|: the "relative" agreement measure used throughout these tests. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / Math.max(s, 1e-30);
}

/** Runs a python snippet with Debian's interpreter; returns stdout, throws with stderr on failure. */
export function python(code: string, args: string[] = []): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr || r.error}`);
  return r.stdout;
}

/** NHWC -> NCHW for single images/batches. */
export function nhwcToNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + k];
  return out;
}
