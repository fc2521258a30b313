/**
 * 'similarity' (issue 7): SSIM between plane i and plane i+d for d = 1…maxDistance, on the stack
 * scaled by its 0.1/99.9 percentiles (so the SSIM constants mean the same on any intensity scale).
 * Large planes are scored on a centred crop of at most 512×512: the curve's shape, which is what
 * justifies K, does not need every pixel.
 */
import type { Stack } from '../../../../shared/stack.ts';
import { defineJobKind } from '../kind.ts';

const MAX_SIDE = 512;

interface Output {
  distances: number[];
  mean: number[];
  perPlane: number[][];
  crop: { height: number; width: number };
}

export const job = defineJobKind('similarity', {
  prepare(params, main): { stack: Stack; maxDistance: number } {
    return { stack: main.stacks.get(params.stackId), maxDistance: params.maxDistance };
  },

  async run({ stack, maxDistance }, ctx): Promise<Output> {
    const { ssim, percentile } = await import('../../../../shared/metrics/index.ts');
    const h = Math.min(stack.height, MAX_SIDE);
    const w = Math.min(stack.width, MAX_SIDE);
    const y0 = Math.floor((stack.height - h) / 2);
    const x0 = Math.floor((stack.width - w) / 2);
    const crops: Float32Array[] = [];
    for (let z = 0; z < stack.depth; z++) {
      const c = new Float32Array(h * w);
      for (let y = 0; y < h; y++) {
        const row = (z * stack.height + y0 + y) * stack.width + x0;
        c.set(stack.data.subarray(row, row + w), y * w);
      }
      crops.push(c);
    }
    const all = new Float32Array(crops.length * h * w);
    crops.forEach((c, z) => all.set(c, z * h * w));
    const lo = percentile(all, 0.1);
    const hi = percentile(all, 99.9);
    const span = hi - lo || 1;
    for (const c of crops) for (let i = 0; i < c.length; i++) c[i] = (c[i]! - lo) / span;
    const distances: number[] = [];
    const mean: number[] = [];
    const perPlane: number[][] = [];
    const dMax = Math.min(maxDistance, stack.depth - 1);
    const total = Array.from({ length: dMax }, (_, i) => stack.depth - i - 1).reduce((a, b) => a + b, 0);
    let done = 0;
    for (let d = 1; d <= dMax; d++) {
      const row: number[] = [];
      for (let i = 0; i + d < stack.depth; i++) {
        await ctx.checkpoint();
        row.push(ssim(crops[i]!, crops[i + d]!, h, w, { dataRange: 1 }));
        done++;
        ctx.progress(done / total, `SSIM at distance ${d}`);
      }
      distances.push(d);
      perPlane.push(row);
      mean.push(row.reduce((a, b) => a + b, 0) / row.length);
    }
    return { distances, mean, perPlane, crop: { height: h, width: w } };
  },

  finish(out) {
    return out;
  },
});
