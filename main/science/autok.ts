/**
 * Automatic neighbour selection (not in the paper; docs/method.md §2 notes the best k depends on plane
 * spacing): short self-supervised runs for each candidate k, each scored by the same held-out
 * self-supervised loss, the best k chosen and the whole curve reported.
 *
 * The score: the trainer never uses its validation planes as targets; we denoise them with each
 * run's model and take the mean squared difference to the noisy planes themselves (in the
 * normalised units the network sees). In self-supervised mode the noise of plane i is independent
 * of the planes the model saw, so E[score] = MSE(prediction, clean) + noise variance: the same
 * additive constant for every k, so ranking by this score ranks by the true error, without any
 * clean data. The trainer's own validation losses are also reported, but their patches differ
 * between runs, so they are not used to choose.
 */
import type { TrainingConfigInput } from '../../shared/config/training.ts';
import { TrainingConfig } from '../../shared/config/training.ts';
import { createPredictor } from '../engine/engines.ts';
import { fitNormalisation, normalise } from '../engine/normalise.ts';
import { denoiseStack } from '../engine/predict.ts';
import { validationPlanes } from '../engine/sampler.ts';
import { trainModel, type RawVolume } from '../engine/train.ts';

export interface AutoKOptions {
  /** Base training settings (method/mode/neighbours are set here); keep them short. */
  config: TrainingConfigInput;
  volumes: RawVolume[];
  candidates?: number[];
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface AutoKPoint {
  k: number;
  /** Held-out self-supervised loss (lower is better); the selection criterion. */
  heldOutLoss: number;
  /** The trainer's best validation loss, for reference only. */
  trainerValLoss: number | null;
  seconds: number;
}

export interface AutoKResult {
  best: number;
  curve: AutoKPoint[];
  /** Held-out planes of each volume. */
  heldOut: number[][];
}

export async function chooseNeighbours(o: AutoKOptions): Promise<AutoKResult> {
  const candidates = [...new Set(o.candidates ?? [1, 2, 3])].sort((a, b) => a - b);
  if (candidates.length === 0 || candidates.some((k) => !(Number.isInteger(k) && k >= 1))) {
    throw new Error(`candidate K values must be integers ≥ 1, got ${candidates.join(', ')}`);
  }
  const base = TrainingConfig.parse({ ...o.config, method: 'n2s', mode: 'self', neighbours: candidates[0], valSplit: 'plane' });
  if (base.valFraction <= 0) throw new Error('automatic K needs held-out planes: set a validation fraction > 0');
  const kMax = candidates[candidates.length - 1];
  for (const v of o.volumes) {
    if (v.depth < kMax + 2) throw new Error(`a stack of ${v.depth} planes is too shallow to compare K up to ${kMax}`);
  }
  const heldOut = o.volumes.map((v) => validationPlanes(v.depth, base.valFraction));
  if (heldOut.every((h) => h.length === 0)) throw new Error('no held-out planes: raise the validation fraction');
  const curve: AutoKPoint[] = [];
  for (const k of candidates) {
    if (o.signal?.aborted) throw new Error('cancelled');
    const r = await trainModel({ config: { ...base, neighbours: k }, volumes: o.volumes.map((v) => ({ ...v, b: undefined, clean: undefined })), signal: o.signal, log: o.log });
    const providerChoice = base.engine === 'onnx' ? ({ engine: 'onnx', provider: 'cpu' } as const) : ({ engine: base.engine } as const);
    const { predictor } = await createPredictor(r.spec, r.weights, { ...providerChoice, log: o.log });
    let sum = 0;
    let count = 0;
    try {
      for (let vi = 0; vi < o.volumes.length; vi++) {
        const v = o.volumes[vi];
        if (heldOut[vi].length === 0) continue;
        const norm = fitNormalisation(base.normalise, v.a);
        const pred = normalise(norm, await denoiseStack(predictor, v.a, v, { spec: r.spec, layout: r.layout, normalisation: norm }));
        const noisy = normalise(norm, v.a);
        const n = v.height * v.width;
        for (const z of heldOut[vi]) {
          for (let i = z * n; i < (z + 1) * n; i++) sum += (pred[i] - noisy[i]) ** 2;
          count += n;
        }
      }
    } finally {
      predictor.dispose();
    }
    const point = { k, heldOutLoss: sum / count, trainerValLoss: r.bestValLoss, seconds: r.seconds };
    o.log?.(`K=${k}: held-out loss ${point.heldOutLoss.toExponential(4)} (${r.seconds.toFixed(0)} s)`);
    curve.push(point);
  }
  const best = curve.reduce((a, b) => (b.heldOutLoss < a.heldOutLoss ? b : a)).k;
  return { best, curve, heldOut };
}
