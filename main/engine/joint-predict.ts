/**
 * Prediction with a joint hyperstack model (docs/hyperstacks.md): for target plane i the input is
 * every channel's neighbour planes (channel-major, as main/engine/joint-sampler.ts builds them), the
 * output one plane per channel. Whole planes, padded by edge replication to the network's divisor
 * (no tiling: joint models are for acquisitions whose planes fit one inference call).
 */
import type { ArchSpec } from '../../shared/model/arch.ts';
import { outputChannels } from '../../shared/model/arch.ts';
import { channelPlanes } from '../../shared/model/neighbours.ts';
import { denormaliseInPlace, normalise } from './normalise.ts';
import type { Normalisation, Predictor } from './types.ts';

/**
 * Planes [from, to) of a window (per channel a ZYX array of `shape.depth` planes), denoised: the
 * result's [i - from][c] is plane i of channel c, in the input's intensities.
 */
export async function predictJointPlanes(
  predictor: Predictor,
  spec: ArchSpec,
  layout: { mode: 'self' | 'copy'; k: number },
  windows: Float32Array[],
  normalisations: Normalisation[],
  shape: { depth: number; height: number; width: number },
  from: number,
  to: number,
): Promise<Float32Array[][]> {
  const C = windows.length;
  if (outputChannels(spec) !== C) throw new Error(`the joint model has ${outputChannels(spec)} outputs, the input ${C} channels`);
  const { depth, height: H, width: W } = shape;
  const hw = H * W;
  const per = layout.mode === 'self' ? 2 * layout.k : 1 + 2 * layout.k;
  const cin = C * per;
  if (cin !== spec.inChannels) throw new Error(`the joint model takes ${spec.inChannels} input planes, ${C} channels × ${per} neighbours give ${cin}`);
  const div = spec.divisor;
  const Hp = Math.ceil(H / div) * div;
  const Wp = Math.ceil(W / div) * div;
  const normed = windows.map((w, c) => normalise(normalisations[c], w));
  const out: Float32Array[][] = [];
  for (let i = from; i < to; i++) {
    const x = new Float32Array(Hp * Wp * cin);
    const planes = channelPlanes(i, depth, layout.mode, layout.k);
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < per; j++) {
        const src = normed[c].subarray(planes[j] * hw, (planes[j] + 1) * hw);
        const ch = c * per + j;
        for (let y = 0; y < Hp; y++) {
          const sy = Math.min(H - 1, y);
          for (let xx = 0; xx < Wp; xx++) x[(y * Wp + xx) * cin + ch] = src[sy * W + Math.min(W - 1, xx)];
        }
      }
    }
    const pred = await predictor.predictBatch(x, 1, Hp, Wp, cin);
    const planesOut: Float32Array[] = [];
    for (let c = 0; c < C; c++) {
      const p = new Float32Array(hw);
      for (let y = 0; y < H; y++) for (let xx = 0; xx < W; xx++) p[y * W + xx] = pred[(y * Wp + xx) * C + c];
      denormaliseInPlace(normalisations[c], p);
      planesOut.push(p);
    }
    out.push(planesOut);
  }
  return out;
}
