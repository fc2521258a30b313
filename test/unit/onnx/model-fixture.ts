/** A tiny saved model folder (the model store's own format) for the export and denoise tests. */
import { TrainingConfig } from '../../../shared/config/training.ts';
import { type ArchSpec, buildArch, defaultResidualChannels } from '../../../shared/model/arch.ts';
import { initWeights, type NamedWeights } from '../../../shared/model/init.ts';
import { saveModel } from '../../../main/engine/model-store.ts';
import type { Normalisation } from '../../../main/engine/types.ts';
import { seededUniform } from './helpers.ts';

export interface TinyModel {
  spec: ArchSpec;
  weights: NamedWeights;
  normalisation: Normalisation;
  layout: { mode: 'self' | 'copy'; k: number };
}

/** Seeded weights with non-zero biases, so that every weight tensor influences the output. */
export function tinyModel(arch: 'csbdeep' | 'n2n' = 'csbdeep', k = 1, seed = 3): TinyModel {
  const inChannels = 2 * k;
  const spec = buildArch({
    arch,
    inChannels,
    residualChannels: arch === 'csbdeep' ? defaultResidualChannels('self', k) : [],
    widthScale: arch === 'csbdeep' ? 0.25 : 0.125,
  });
  const weights = initWeights(spec, seed);
  for (const [name, w] of weights) if (name.endsWith('/bias')) w.data.set(seededUniform(w.data.length, seed + 1, -0.05, 0.05));
  return { spec, weights, normalisation: { kind: 'percentile', pLow: 3, pHigh: 99.8, low: 100, high: 1500 }, layout: { mode: 'self', k } };
}

export async function saveTinyModel(dir: string, m: TinyModel): Promise<void> {
  await saveModel(dir, {
    spec: m.spec,
    weights: m.weights,
    config: {
      training: TrainingConfig.parse({ arch: m.spec.arch, neighbors: m.layout.k, mode: m.layout.mode, widthScale: 0.25 }),
      layout: { mode: m.layout.mode, k: m.layout.k, inChannels: m.spec.inChannels },
      normalisation: m.normalisation,
      losses: { finalLoss: null, bestValLoss: null, bestEpoch: 0 },
      history: [],
      engine: { engine: 'tfjs', backend: 'cpu' },
    },
  });
}
