import type { Shape3 } from './grid.ts';

/**
 * Separable Gaussian smoothing with scipy.ndimage's defaults as used by skimage.filters.gaussian:
 * kernel truncated at 4 σ and 'nearest' edge handling (edge values repeat). A σ of 0 along an axis
 * leaves that axis untouched, which is how a stack is smoothed plane by plane.
 */
export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  const radius = Math.max(0, Math.round(truncate * sigma));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

function blurAxis(src: Float32Array, dst: Float32Array, s: Shape3, axis: 0 | 1 | 2, kernel: Float64Array): void {
  const n = axis === 0 ? s.depth : axis === 1 ? s.height : s.width;
  const stride = axis === 0 ? s.height * s.width : axis === 1 ? s.width : 1;
  const r = (kernel.length - 1) / 2;
  const line = new Float64Array(n + 2 * r);
  // Every line along `axis` starts at a voxel whose coordinate on that axis is 0.
  const plane = s.height * s.width;
  for (let z = 0; z < (axis === 0 ? 1 : s.depth); z++) {
    for (let y = 0; y < (axis === 1 ? 1 : s.height); y++) {
      for (let x = 0; x < (axis === 2 ? 1 : s.width); x++) {
        const base = z * plane + y * s.width + x;
        for (let i = 0; i < n + 2 * r; i++) {
          const j = Math.min(n - 1, Math.max(0, i - r));
          line[i] = src[base + j * stride]!;
        }
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let t = 0; t < kernel.length; t++) acc += kernel[t]! * line[i + t]!;
          dst[base + i * stride] = acc;
        }
      }
    }
  }
}

/** Returns a new smoothed array; sigma per axis in voxels ({z: 0} smooths each plane alone). */
export function gaussianBlur(data: Float32Array, s: Shape3, sigma: { z: number; y: number; x: number }): Float32Array {
  let cur = Float32Array.from(data);
  let tmp = new Float32Array(data.length);
  const axes: Array<[0 | 1 | 2, number, number]> = [
    [0, sigma.z, s.depth],
    [1, sigma.y, s.height],
    [2, sigma.x, s.width],
  ];
  for (const [axis, sg, len] of axes) {
    if (!(sg > 0) || len < 2) continue;
    blurAxis(cur, tmp, s, axis, gaussianKernel(sg));
    [cur, tmp] = [tmp, cur];
  }
  return cur;
}
