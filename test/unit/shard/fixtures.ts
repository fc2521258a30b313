import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArch, defaultResidualChannels } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { TrainingConfig } from '../../../shared/config/training.ts';
import { makeStack, type Stack } from '../../../shared/stack.ts';
import { createRng } from '../../../shared/random.ts';
import { saveModel } from '../../../main/engine/model-store.ts';

export const tmp = (tag: string) => mkdtempSync(join(tmpdir(), `n2s-${tag}-`));

/**
 * A tiny self-supervised (K=1) CSBDeep model with seeded, untrained weights: sharding must
 * reproduce the unsharded output exactly whatever the weights, so no training is needed here.
 */
export async function tinyModel(dir: string): Promise<string> {
  const training = TrainingConfig.parse({ method: 'n2s', mode: 'self', neighbors: 1, widthScale: 0.125, patch: 32, epochs: 1, stepsPerEpoch: 1 });
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: defaultResidualChannels('self', 1), widthScale: 0.125 });
  await saveModel(dir, {
    config: {
      training,
      layout: { mode: 'self', k: 1, inChannels: 2 },
      normalisation: { kind: 'percentile', pLow: 3, pHigh: 99.8, low: 0, high: 1 },
      losses: { finalLoss: null, bestValLoss: null, bestEpoch: 0 },
      history: [],
      engine: { engine: 'tfjs', backend: 'cpu' },
    },
    spec,
    weights: initWeights(spec, 11),
  });
  return dir;
}

/** A seeded noisy volume with structure (blobs + noise), uint16-like values. */
export function noisyVolume(depth: number, height: number, width: number, seed: number, name = 'vol'): Stack {
  const rng = createRng(seed);
  const data = new Float32Array(depth * height * width);
  for (let z = 0; z < depth; z++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const s = 800 * Math.exp(-((y - height / 2) ** 2 + (x - width / 3) ** 2 + (z * 4 - depth * 2) ** 2) / 200);
        data[(z * height + y) * width + x] = Math.round(100 + s + 30 * rng.normal());
      }
    }
  }
  return makeStack(depth, height, width, data, { name, dtype: 'uint16', voxelSize: { z: 2, y: 0.5, x: 0.5, unit: 'micron' } });
}
