/**
 * Runs one method of a study: trains it (when it learns) with the shared trainer, denoises every
 * test stack with the shared tiled predictor, and scores the result — for MRI also after the
 * k-space post-processing. Nothing here is method-specific beyond the training config.
 */
import type { TrainingConfigInput } from '../../../shared/config/training.ts';
import { evaluateStack, type StackMetrics } from '../../../shared/metrics/index.ts';
import { makeStack, type Stack } from '../../../shared/stack.ts';
import { createPredictor } from '../../engine/engines.ts';
import { fitNormalisation } from '../../engine/normalise.ts';
import { denoiseStack } from '../../engine/predict.ts';
import { trainModel, type RawVolume } from '../../engine/train.ts';
import type { HistoryPoint } from '../../engine/types.ts';
import { denoiseNlMeans } from '../classical.ts';
import { reimposeStack } from '../kspace.ts';
import { methodKey, methodLabel, type StudyMethod, type StudyTraining } from './config.ts';
import type { StudyData } from './data.ts';

export interface TestScore {
  label: string;
  metrics: StackMetrics;
  /** MRI: after re-imposing the sampled frequencies (docs/method.md §6). */
  post?: StackMetrics;
  /** Microscopy: against the noiseless synthetic signal. */
  vsClean?: StackMetrics;
}

export interface MethodResult {
  key: string;
  label: string;
  method: StudyMethod;
  scores: TestScore[];
  training?: {
    seconds: number;
    steps: number;
    bestEpoch: number;
    bestValLoss: number | null;
    history: HistoryPoint[];
    engine: string;
  };
  /** Seconds to denoise all test stacks. */
  predictSeconds: number;
  /** A few planes of the first test stack's prediction, for the report's picture. */
  preview?: { plane: number; height: number; width: number; data: number[] };
}

export function trainingConfigFor(m: StudyMethod, t: StudyTraining, normalize: 'none' | 'percentile'): TrainingConfigInput | null {
  const base: TrainingConfigInput = {
    arch: t.arch,
    widthScale: t.widthScale,
    epochs: t.epochs,
    stepsPerEpoch: t.stepsPerEpoch,
    batch: t.batch,
    patch: t.patch,
    lr: t.lr,
    valFraction: t.valFraction,
    valBatches: t.valBatches,
    augment: t.augment,
    normalize,
    seed: t.seed,
    engine: t.engine,
  };
  switch (m.id) {
    case 'input':
    case 'classical':
      return null;
    case 'n2s-self':
      return { ...base, method: 'n2s', mode: 'self', neighbours: m.k };
    case 'n2s-copy':
      return { ...base, method: 'n2s', mode: 'copy', neighbours: m.k };
    case 'n2n':
      return { ...base, method: 'n2n', neighbours: 0 };
    case 'n2c':
      return { ...base, method: 'n2c', neighbours: m.k };
    case 'n2v':
      return { ...base, method: 'n2v', neighbours: 0 };
    case 'n2s-bs':
      return { ...base, method: 'n2s-bs', neighbours: m.k };
  }
}

/** Only the arrays a method needs (copy B for copy-supervised, clean for Noise2Clean). */
function volumesFor(m: StudyMethod, train: RawVolume[]): RawVolume[] {
  return train.map((v) => ({
    depth: v.depth,
    height: v.height,
    width: v.width,
    a: v.a,
    b: m.id === 'n2n' || m.id === 'n2s-copy' ? v.b : undefined,
    clean: m.id === 'n2c' ? v.clean : undefined,
  }));
}

export async function runMethod(
  m: StudyMethod,
  t: StudyTraining,
  data: StudyData,
  log: (line: string) => void,
): Promise<MethodResult> {
  const key = methodKey(m);
  let predict: (s: Stack) => Promise<Float32Array>;
  let training: MethodResult['training'];
  let dispose = () => {};
  const cfg = trainingConfigFor(m, t, data.normalize);
  if (m.id === 'input') {
    predict = async (s) => s.data;
  } else if (m.id === 'classical') {
    predict = async (s) => denoiseNlMeans(s).data;
  } else {
    if (!cfg) throw new Error(`no training configuration for ${key}`);
    if ((m.id === 'n2n' || m.id === 'n2s-copy') && data.train.some((v) => !v.b)) throw new Error(`${methodLabel(m)} needs two noisy copies, which this data set lacks`);
    let lastLog = 0;
    const r = await trainModel({
      config: cfg,
      volumes: volumesFor(m, data.train),
      log,
      onEvent: (e) => {
        if (e.type === 'epoch' && (Date.now() - lastLog > 20_000 || e.epoch === e.epochs)) {
          lastLog = Date.now();
          log(`${key}: epoch ${e.epoch}/${e.epochs} loss ${e.loss.toExponential(3)} val ${e.valLoss?.toExponential(3) ?? '–'} ${e.secondsPerStep.toFixed(2)} s/step${e.best ? ' (best)' : ''}`);
        }
      },
    });
    training = {
      seconds: r.seconds,
      steps: r.history.length * r.config.stepsPerEpoch,
      bestEpoch: r.bestEpoch,
      bestValLoss: r.bestValLoss,
      history: r.history,
      engine: `${r.engine.engine}/${r.engine.provider ?? r.engine.backend}`,
    };
    // The study measures methods, not providers: with the ONNX engine, predict on its CPU provider
    // (skipping the auto provider's GPU calibration, which only costs time on a CPU-only machine).
    const choice = t.engine === 'onnx' ? { engine: 'onnx' as const, provider: 'cpu' as const } : { engine: t.engine };
    const { predictor } = await createPredictor(r.spec, r.weights, { ...choice, log });
    dispose = () => predictor.dispose();
    predict = (s) => denoiseStack(predictor, s.data, s, { spec: r.spec, layout: r.layout, normalisation: fitNormalisation(data.normalize, s.data) });
  }
  const t0 = Date.now();
  const scores: TestScore[] = [];
  let preview: MethodResult['preview'];
  try {
    for (const ts of data.test) {
      const out = makeStack(ts.a.depth, ts.a.height, ts.a.width, await predict(ts.a), { ...ts.a.meta, name: `${key} prediction` });
      const metrics = evaluateStack(out, ts.reference, { normalization: data.evalNormalization });
      const score: TestScore = { label: ts.label, metrics };
      if (ts.mask && data.keepFraction !== undefined) {
        score.post = evaluateStack(reimposeStack(out, ts.a, ts.mask, data.keepFraction), ts.reference, { normalization: data.evalNormalization });
      }
      if (ts.clean) score.vsClean = evaluateStack(out, ts.clean, { normalization: data.evalNormalization });
      if (!preview) {
        const z = Math.floor(out.depth / 2);
        const n = out.height * out.width;
        preview = { plane: z, height: out.height, width: out.width, data: Array.from(out.data.subarray(z * n, (z + 1) * n), (v) => Number(v.toPrecision(5))) };
      }
      scores.push(score);
    }
  } finally {
    dispose();
  }
  return { key, label: methodLabel(m), method: m, scores, training, predictSeconds: (Date.now() - t0) / 1000, preview };
}
