/**
 * MRI pre-processing (docs/method.md §5): optionally keep the middle planes of the volume, reduce the
 * in-plane size (block averaging, then a centred crop) so that training fits a small CPU, and scale
 * intensities to [−0.5, 0.5] (the volume's min → −0.5, max → 0.5; PSNR then uses data range 1).
 */
import { makeStack, type Stack } from '../../shared/stack.ts';

export interface MriPrepOptions {
  /** Keep only this many planes around the middle (the paper uses the middle 100). */
  middle?: number;
  /** Integer in-plane block-averaging factor (1 = none). */
  downsample?: number;
  /** Centred in-plane crop to this height × width after downsampling. */
  crop?: [number, number];
}

export function prepareMri(vol: Stack, o: MriPrepOptions = {}): Stack {
  const f = o.downsample ?? 1;
  if (!(Number.isInteger(f) && f >= 1)) throw new Error(`downsample factor must be a positive integer, got ${f}`);
  const middle = Math.min(o.middle ?? vol.depth, vol.depth);
  if (!(middle >= 1)) throw new Error(`middle must be ≥ 1, got ${o.middle}`);
  const z0 = Math.floor((vol.depth - middle) / 2);
  const dh = Math.floor(vol.height / f);
  const dw = Math.floor(vol.width / f);
  const [ch, cw] = o.crop ?? [dh, dw];
  if (ch > dh || cw > dw || ch < 1 || cw < 1) throw new Error(`crop ${ch}×${cw} does not fit the ${dh}×${dw} (downsampled) plane`);
  const y0 = Math.floor((dh - ch) / 2);
  const x0 = Math.floor((dw - cw) / 2);
  const out = new Float32Array(middle * ch * cw);
  const n = vol.height * vol.width;
  for (let z = 0; z < middle; z++) {
    const src = (z0 + z) * n;
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        let s = 0;
        for (let by = 0; by < f; by++) {
          const row = src + ((y0 + y) * f + by) * vol.width + (x0 + x) * f;
          for (let bx = 0; bx < f; bx++) s += vol.data[row + bx];
        }
        out[(z * ch + y) * cw + x] = s / (f * f);
      }
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of out) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? 1 / (hi - lo) : 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - lo) * scale - 0.5;
  const vs = vol.meta.voxelSize;
  return makeStack(middle, ch, cw, out, {
    ...vol.meta,
    dtype: 'float32',
    sourceAxes: 'ZYX',
    sourceShape: [middle, ch, cw],
    voxelSize: { ...vs, y: vs.y * f, x: vs.x * f },
    description: `${vol.meta.name}: planes ${z0}…${z0 + middle - 1}, ${f}× block-averaged, crop ${ch}×${cw} at (${y0}, ${x0}), scaled to [−0.5, 0.5]`,
  });
}
