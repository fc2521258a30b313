/**
 * Splitting a stack into 3-D texture bricks. WebGL2 guarantees MAX_3D_TEXTURE_SIZE ≥ 256 and
 * SwiftShader/most GPUs give 2048, so a 10×2160×2160 stack does not fit one texture. We keep
 * full resolution in every view by cutting the stack into the fewest equal bricks whose sides fit
 * (2×2 bricks of 10×1080×1080 for that stack); each brick is drawn as its own quad, so the
 * fragment shader still reslices with one texelFetch and nothing is resampled. The alternative
 * (a 2-D texture array for full-res XY plus a downsampled 3-D texture) would blur XZ/YZ, which
 * is exactly the view users need to judge Noise2Stack's z-consistency.
 */
import type { Dims } from './reslice.ts';

export interface Brick {
  z0: number;
  z1: number;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

function cuts(n: number, maxSide: number): Array<[number, number]> {
  const parts = Math.ceil(n / maxSide);
  const out: Array<[number, number]> = [];
  for (let p = 0; p < parts; p++) out.push([Math.floor((p * n) / parts), Math.floor(((p + 1) * n) / parts)]);
  return out;
}

export function brickPlan(d: Dims, maxSide: number): Brick[] {
  if (!(maxSide >= 1)) throw new Error(`maximum texture side must be ≥ 1, got ${maxSide}`);
  const out: Brick[] = [];
  for (const [z0, z1] of cuts(d.depth, maxSide))
    for (const [y0, y1] of cuts(d.height, maxSide))
      for (const [x0, x1] of cuts(d.width, maxSide)) out.push({ z0, z1, y0, y1, x0, x1 });
  return out;
}

/** Copy of a brick's voxels (ZYX, contiguous); the whole array itself when the brick is the stack. */
export function extractBrick<T extends Float32Array | Uint32Array>(data: T, d: Dims, b: Brick): T {
  const bw = b.x1 - b.x0;
  const bh = b.y1 - b.y0;
  const bd = b.z1 - b.z0;
  if (bw === d.width && bh === d.height && bd === d.depth) return data;
  const out = new (data.constructor as new (n: number) => T)(bw * bh * bd);
  for (let z = 0; z < bd; z++)
    for (let y = 0; y < bh; y++) {
      const src = ((z + b.z0) * d.height + y + b.y0) * d.width + b.x0;
      out.set(data.subarray(src, src + bw), (z * bh + y) * bw);
    }
  return out;
}

/**
 * Max-pooling downsample for the 3-D MIP view: factors chosen so no side exceeds maxSide.
 * Max pooling (not averaging) keeps the projection of small bright structures visible.
 */
export function maxPoolForMip(
  data: Float32Array,
  d: Dims,
  maxSide: number,
): { data: Float32Array; dims: Dims; factors: Dims } {
  const fz = Math.ceil(d.depth / maxSide);
  const fy = Math.ceil(d.height / maxSide);
  const fx = Math.ceil(d.width / maxSide);
  if (fz === 1 && fy === 1 && fx === 1) return { data, dims: d, factors: { depth: 1, height: 1, width: 1 } };
  const dims = { depth: Math.ceil(d.depth / fz), height: Math.ceil(d.height / fy), width: Math.ceil(d.width / fx) };
  const out = new Float32Array(dims.depth * dims.height * dims.width).fill(-Infinity);
  for (let z = 0; z < d.depth; z++) {
    const oz = Math.floor(z / fz);
    for (let y = 0; y < d.height; y++) {
      const orow = (oz * dims.height + Math.floor(y / fy)) * dims.width;
      const irow = (z * d.height + y) * d.width;
      for (let x = 0; x < d.width; x++) {
        const v = data[irow + x];
        const o = orow + Math.floor(x / fx);
        if (v > out[o]) out[o] = v;
      }
    }
  }
  return { data: out, dims, factors: { depth: fz, height: fy, width: fx } };
}
