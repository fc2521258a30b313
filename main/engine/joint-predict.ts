/**
 * Prediction with a joint hyperstack model (docs/hyperstacks.md): for target plane i the input is
 * every channel's neighbour planes (channel-major, as main/engine/joint-sampler.ts builds them), the
 * output one plane per channel. Tiled like any model (predict.ts denoiseVolumes), so a joint model
 * denoises planes of any size within the same memory budget.
 */
import type { ArchSpec } from '../../shared/model/arch.ts';
import { outputChannels } from '../../shared/model/arch.ts';
import { denoiseVolumes, type DenoiseOptions } from './predict.ts';
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
  tiling: Pick<DenoiseOptions, 'tile' | 'overlap' | 'batchTiles' | 'tileMemory' | 'signal'> = {},
): Promise<Float32Array[][]> {
  const C = windows.length;
  if (outputChannels(spec) !== C) throw new Error(`the joint model has ${outputChannels(spec)} outputs, the input ${C} channels`);
  const per = layout.mode === 'self' ? 2 * layout.k : 1 + 2 * layout.k;
  if (C * per !== spec.inChannels) throw new Error(`the joint model takes ${spec.inChannels} input planes, ${C} channels × ${per} neighbours give ${C * per}`);
  const hw = shape.height * shape.width;
  const channels = await denoiseVolumes(
    predictor,
    windows.map((data, c) => ({ data, normalisation: normalisations[c]! })),
    shape,
    { spec, layout, planes: { z0: from, z1: to }, ...tiling },
  );
  return Array.from({ length: to - from }, (_, i) => channels.map((ch) => ch.subarray(i * hw, (i + 1) * hw)));
}
