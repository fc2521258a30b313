/**
 * Seeded multi-channel time-lapse test data: per channel a different field of smooth blobs (as
 * test/unit/engine/helpers.ts's blobStack), static or slowly drifting over time, with independent
 * Gaussian noise in every frame and channel.
 */
import { blobStack } from '../engine/helpers.ts';
import { createRng } from '../../../shared/random.ts';
import { planeOffset, type Hyperstack, type HyperstackMeta } from '../../../shared/hyperstack.ts';

export interface NoisyHyperstack {
  noisy: Hyperstack;
  clean: Hyperstack;
}

export function blobHyperstack(o: { seed: number; times: number; channels: number; depth: number; size: number; sigma: number; channelScale?: number[] }): NoisyHyperstack {
  const { times: T, channels: C, depth: Z, size: S } = o;
  const meta: HyperstackMeta = {
    name: 'blobs', dtype: 'float32', flavour: 'synthetic', times: T, channels: C, depth: Z, height: S, width: S, order: 'TZC',
    axes: `${T > 1 ? 'T' : ''}Z${C > 1 ? 'C' : ''}YX`, voxelSize: { z: 2, y: 0.5, x: 0.5, unit: 'micron' }, timeIncrement: { value: 30, unit: 's' },
    channelMeta: Array.from({ length: C }, (_, c) => ({ name: ['nuclei', 'membranes', 'mito'][c] ?? `C${c}`, color: ['00FFFF', 'FF00FF', 'FFFF00'][c] ?? 'FFFFFF' })),
    description: 'synthetic blobs (test data)',
  };
  const n = T * C * Z * S * S;
  const clean = new Float32Array(n);
  const noisy = new Float32Array(n);
  const rng = createRng(o.seed ^ 0x51);
  for (let c = 0; c < C; c++) {
    const field = blobStack(o.seed * 10 + c, Z, S, S, 0).clean;
    const scale = o.channelScale?.[c] ?? 1;
    for (let t = 0; t < T; t++) {
      const at = planeOffset(meta, t, c, 0);
      for (let i = 0; i < Z * S * S; i++) {
        clean[at + i] = scale * field[i];
        noisy[at + i] = scale * field[i] + o.sigma * rng.normal();
      }
    }
  }
  return { noisy: { meta, data: noisy }, clean: { meta: { ...meta, name: 'blobs clean' }, data: clean } };
}

/** PSNR (data range 1) of channel c over all time points. */
export function channelPsnr(clean: Hyperstack, test: Hyperstack, c: number): number {
  const m = clean.meta;
  const n = m.depth * m.height * m.width;
  let s = 0;
  for (let t = 0; t < m.times; t++) {
    const o = planeOffset(m, t, c, 0);
    for (let i = 0; i < n; i++) s += (clean.data[o + i] - test.data[o + i]) ** 2;
  }
  return 10 * Math.log10(1 / (s / (n * m.times)));
}
