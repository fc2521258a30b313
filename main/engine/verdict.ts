/**
 * "Did it work?" after training, without ground truth (issue 17). Self-supervised Noise2Stack
 * learns to predict plane i from its neighbours, and its training loss is the squared error
 * against the noisy plane i. On held-out planes that loss can be compared with the simplest
 * predictor that uses the same information: the mean of the same neighbour planes. Noise in the
 * target is independent of the input, so the noise adds the same constant to both losses and the
 * difference is the difference in how well each predicts the signal: a model that beats the
 * neighbour mean has learnt something the mean cannot do, one that does not has learnt nothing
 * useful (docs/verdict.md).
 *
 * Losses are in the model's normalised units (the same numbers as the training's val loss).
 * The pure part (`verdictFromLosses`) is separate from the prediction so it can be tested and
 * reused where the losses are already known.
 */
import type { Backend, Engine } from '../../shared/config/enums.ts';
import { channelPlanes } from '../../shared/model/neighbours.ts';
import type { ArchSpec } from '../../shared/model/arch.ts';
import { denoiseStack } from './predict.ts';
import { normalise } from './normalise.ts';
import { validationPlanes } from './sampler.ts';
import type { Normalisation, Predictor } from './types.ts';
import type { Verdict, VerdictLevel } from '../../shared/verdict.ts';

/** Below this relative gain over the neighbour mean the model is not called an improvement. */
export const MIN_GAIN = 0.05;
/** Worse than the neighbour mean by more than this: the model is called harmful. */
export const MAX_LOSS = 0.02;
/** Stacks with fewer planes give few examples and little to hold out. */
export const FEW_PLANES = 8;

export type { Verdict, VerdictLevel };

export interface RunFacts {
  /** Planes of the stack. */
  depth: number;
  stepsDone: number;
  stepsPlanned: number;
  /** The run was cancelled (it may still have kept its best checkpoint). */
  cancelled?: boolean;
}

const pct = (x: number): string => `${Math.round(Math.abs(x) * 100)} %`;

/** Warnings that do not depend on the losses. */
export function runWarnings(run: RunFacts, planes: number, heldOut: boolean): string[] {
  const w: string[] = [];
  if (run.depth < FEW_PLANES) w.push(`The stack has only ${run.depth} planes: few examples to learn from and to check on, so this verdict is rough.`);
  if (!heldOut) w.push('No planes were held out of training, so the check uses planes the model has seen: it is optimistic.');
  else if (planes < 2) w.push(`Only ${planes} plane was held out of training, so this verdict rests on a single plane.`);
  if (run.cancelled || run.stepsDone < run.stepsPlanned) {
    w.push(`The run stopped early (${run.stepsDone} of ${run.stepsPlanned} steps): a full run may do better.`);
  }
  return w;
}

/** Only self-supervised Noise2Stack predicts a plane without seeing it (see computeVerdict). */
const NOT_SELF_SUPERVISED = 'No verdict without ground truth for this method: its input contains the plane it predicts.';

/** A verdict that could not be made, with the reason. */
export function unavailableVerdict(sentence: string): Verdict {
  return { level: 'unavailable', sentence, warnings: [], modelLoss: null, neighbourMeanLoss: null, flatLoss: null, gain: null, perPlane: [], planes: [], heldOut: false };
}

/** A check after training that failed: reported, never thrown (a finished training must not fail on it). */
function failedCheck(e: unknown): Verdict {
  const why = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  return unavailableVerdict(`No verdict: the check after training failed (${why}).`);
}

/** The verdict from measured losses (pure). */
export function verdictFromLosses(
  losses: { model: number; neighbourMean: number; flat: number; perPlane: { z: number; model: number; neighbourMean: number }[] },
  run: RunFacts,
  planes: number[],
  heldOut: boolean,
): Verdict {
  const warnings = runWarnings(run, planes.length, heldOut);
  const base = { warnings, modelLoss: losses.model, neighbourMeanLoss: losses.neighbourMean, flatLoss: losses.flat, planes, heldOut };
  const perPlane = losses.perPlane.map((p) => ({ z: p.z, gain: p.neighbourMean > 0 ? 1 - p.model / p.neighbourMean : 0 }));
  if (!(losses.neighbourMean > 0) || !Number.isFinite(losses.model)) {
    return { ...base, level: 'unavailable', gain: null, perPlane, sentence: 'No verdict: the held-out planes are constant or the model produced non-finite values.' };
  }
  const gain = 1 - losses.model / losses.neighbourMean;
  const where = heldOut ? 'held-out planes' : 'the training planes';
  let level: VerdictLevel;
  let sentence: string;
  if (gain >= MIN_GAIN) {
    level = 'better';
    sentence = `The model predicts ${where} ${pct(gain)} better than averaging the neighbours.`;
    const losing = perPlane.filter((p) => p.gain < 0).length;
    if (losing > 0) warnings.push(`On ${losing} of ${perPlane.length} checked planes it does worse than averaging the neighbours.`);
  } else if (gain > -MAX_LOSS) {
    level = 'same';
    sentence = `The model predicts ${where} about as well as averaging the neighbours (${pct(gain)} ${gain >= 0 ? 'better' : 'worse'}): it has learnt little beyond that average; train longer or check the settings.`;
  } else {
    level = 'worse';
    sentence = `The model predicts ${where} ${pct(gain)} worse than averaging the neighbours: it has not learnt to denoise this stack; do not trust its output.`;
  }
  return { ...base, level, gain, perPlane, sentence };
}

export interface VerdictInput {
  predictor: Predictor;
  /** The noisy stack as trained on (raw intensities, ZYX). */
  data: Float32Array;
  shape: { depth: number; height: number; width: number };
  spec: ArchSpec;
  layout: { mode: 'self' | 'copy'; k: number };
  method: string;
  normalisation: Normalisation;
  background?: Float32Array | null;
  /** The training's validation split: the verdict uses the same held-out planes. */
  valFraction: number;
  valSplit: 'plane' | 'stack';
  run: Omit<RunFacts, 'depth'>;
  signal?: AbortSignal;
}

/** Planes to check: the training's held-out planes when it held out planes of this stack, else all. */
export function verdictPlanes(depth: number, valFraction: number, valSplit: 'plane' | 'stack'): { planes: number[]; heldOut: boolean } {
  const held = valSplit === 'plane' && valFraction > 0 ? validationPlanes(depth, valFraction) : [];
  if (held.length > 0) return { planes: held, heldOut: true };
  return { planes: Array.from({ length: depth }, (_, z) => z), heldOut: false };
}

/**
 * Predicts the check planes with the model and with the neighbour mean and compares both with
 * the noisy planes. Only self-supervised Noise2Stack predicts a plane without seeing it; for the
 * other methods the input contains the target plane and this check does not apply.
 */
export async function computeVerdict(v: VerdictInput): Promise<Verdict> {
  const { depth, height: H, width: W } = v.shape;
  const run = { ...v.run, depth };
  if (v.method !== 'n2s' || v.layout.mode !== 'self') return unavailableVerdict(NOT_SELF_SUPERVISED);
  const { planes, heldOut } = verdictPlanes(depth, v.valFraction, v.valSplit);
  const bg = v.background ?? null;
  const view = trainingPlanes(v.data, H * W, v.normalisation, bg);
  let sumModel = 0;
  let sumMean = 0;
  let sumFlat = 0;
  const perPlane: { z: number; model: number; neighbourMean: number }[] = [];
  for (const z of planes) {
    if (v.signal?.aborted) throw new Error('cancelled');
    // Same tiling, padding and output mapping as the Denoise step uses.
    const pred = await denoiseStack(v.predictor, v.data, v.shape, {
      spec: v.spec,
      layout: v.layout,
      normalisation: v.normalisation,
      background: bg,
      planes: { z0: z, z1: z + 1 },
    });
    // pred is in raw units without background: mapped like the target.
    const l = planeLosses(view.plane(z), channelPlanes(z, depth, 'self', v.layout.k).map(view.plane), (i) => pred[i]! * view.scale + view.offset);
    // Planes are checked in ascending order: those below z − K are not needed again.
    view.dropBelow(z - v.layout.k);
    perPlane.push({ z, model: l.model, neighbourMean: l.neighbourMean });
    sumModel += l.model;
    sumMean += l.neighbourMean;
    sumFlat += l.flat;
  }
  const n = planes.length;
  return verdictFromLosses({ model: sumModel / n, neighbourMean: sumMean / n, flat: sumFlat / n, perPlane }, run, planes, heldOut);
}

/**
 * The training's view of a raw ZYX volume's planes (background removed, then normalised as an
 * affine map), made only for the planes asked for and kept until dropped: a copy of the whole
 * stack would double the memory of a big one.
 */
function trainingPlanes(data: Float32Array, hw: number, normalisation: Normalisation, bg: Float32Array | null) {
  const probe = normalise(normalisation, Float32Array.from([0, 1]));
  const scale = probe[1]! - probe[0]!;
  const offset = probe[0]!;
  const cache = new Map<number, Float32Array>();
  return {
    scale,
    offset,
    plane: (j: number): Float32Array => {
      let p = cache.get(j);
      if (!p) {
        p = new Float32Array(hw);
        for (let i = 0; i < hw; i++) p[i] = (data[j * hw + i]! - (bg ? bg[i]! : 0)) * scale + offset;
        cache.set(j, p);
      }
      return p;
    },
    dropBelow: (z: number): void => {
      for (const j of cache.keys()) if (j < z) cache.delete(j);
    },
  };
}

/**
 * Mean squared errors against a noisy plane (the training's view) of the model's prediction
 * (`predicted(i)`, in the same units), of the mean of the neighbour planes and of the plane's own
 * mean (the flat predictor).
 */
function planeLosses(target: Float32Array, neighbours: Float32Array[], predicted: (i: number) => number): { model: number; neighbourMean: number; flat: number } {
  const hw = target.length;
  let mean = 0;
  for (let i = 0; i < hw; i++) mean += target[i]!;
  mean /= hw;
  let m = 0;
  let a = 0;
  let f = 0;
  for (let i = 0; i < hw; i++) {
    const t = target[i]!;
    let avg = 0;
    for (const q of neighbours) avg += q[i]!;
    avg /= neighbours.length;
    m += (predicted(i) - t) ** 2;
    a += (avg - t) ** 2;
    f += (mean - t) ** 2;
  }
  return { model: m / hw, neighbourMean: a / hw, flat: f / hw };
}

/** The parts of a training result the verdict needs (engine/train.ts's TrainResult has them all). */
export interface TrainedModelFacts {
  config: {
    method: string;
    valFraction: number;
    valSplit: 'plane' | 'stack';
    /** The engine and backend the user chose for training are used for the check too. */
    engine?: Engine;
    backend?: Backend;
  };
  layout: { mode: 'self' | 'copy'; k: number };
  spec: ArchSpec;
  normalisation: Normalisation;
  background: Float32Array | null;
}

/**
 * The verdict for a finished run whose model was saved in `modelDir`: opens it the way Denoise
 * does (loadPredictor, on the engine and backend chosen for training), checks the held-out planes
 * of `stack`, closes it. Never throws: a verdict that cannot be computed is reported as
 * unavailable with the reason, because a finished training must not fail on its after-check.
 */
export async function verdictForSavedModel(
  modelDir: string,
  r: TrainedModelFacts,
  stack: { data: Float32Array; depth: number; height: number; width: number },
  run: Omit<RunFacts, 'depth'>,
  log?: (line: string) => void,
): Promise<Verdict> {
  let loaded: Awaited<ReturnType<typeof import('./predictor.ts')['loadPredictor']>> | undefined;
  try {
    const { loadPredictor } = await import('./predictor.ts');
    loaded = await loadPredictor(modelDir, { engine: r.config.engine, backend: r.config.backend, log });
    return await computeVerdict({
      predictor: loaded.predictor,
      data: stack.data,
      shape: { depth: stack.depth, height: stack.height, width: stack.width },
      spec: r.spec,
      layout: r.layout,
      method: r.config.method,
      normalisation: r.normalisation,
      background: r.background,
      valFraction: r.config.valFraction,
      valSplit: r.config.valSplit,
      run,
    });
  } catch (e) {
    return failedCheck(e);
  } finally {
    loaded?.predictor.dispose();
  }
}

/** What the verdict of a joint hyperstack model (one network for all channels) is made from. */
export interface JointVerdictInput {
  /** The saved joint model, opened on the engine and backend chosen for training. */
  modelDir: string;
  config: TrainedModelFacts['config'];
  layout: { mode: 'self' | 'copy'; k: number };
  spec: ArchSpec;
  /** One volume of every channel (raw intensities, ZYX), as trained on. */
  channels: { name: string; data: Float32Array; normalisation: Normalisation }[];
  shape: { depth: number; height: number; width: number };
  run: Omit<RunFacts, 'depth'>;
  log?: (line: string) => void;
}

/**
 * The same check for a joint model: on the held-out planes of one volume, every channel's plane
 * predicted by the network (from all channels' neighbours) against the mean of that channel's
 * neighbour planes. The losses are the channels' means (each in its own normalised units, as the
 * training's loss), and the sentence names each channel's gain. Never throws.
 */
export async function jointVerdictForSavedModel(v: JointVerdictInput): Promise<Verdict> {
  const { depth, height: H, width: W } = v.shape;
  if (v.config.method !== 'n2s' || v.layout.mode !== 'self') return unavailableVerdict(NOT_SELF_SUPERVISED);
  let loaded: Awaited<ReturnType<typeof import('./predictor.ts')['loadPredictor']>> | undefined;
  try {
    const { loadPredictor } = await import('./predictor.ts');
    const { predictJointPlanes } = await import('./joint-predict.ts');
    loaded = await loadPredictor(v.modelDir, { engine: v.config.engine, backend: v.config.backend, log: v.log });
    const { planes, heldOut } = verdictPlanes(depth, v.config.valFraction, v.config.valSplit);
    const C = v.channels.length;
    const views = v.channels.map((c) => trainingPlanes(c.data, H * W, c.normalisation, null));
    const per = v.channels.map(() => ({ model: 0, mean: 0, flat: 0 }));
    const perPlane: { z: number; model: number; neighbourMean: number }[] = [];
    for (const z of planes) {
      const [pred] = await predictJointPlanes(loaded.predictor, v.spec, v.layout, v.channels.map((c) => c.data), v.channels.map((c) => c.normalisation), v.shape, z, z + 1);
      const nb = channelPlanes(z, depth, 'self', v.layout.k);
      let zModel = 0;
      let zMean = 0;
      views.forEach((view, c) => {
        const p = pred![c]!;
        const l = planeLosses(view.plane(z), nb.map(view.plane), (i) => p[i]! * view.scale + view.offset);
        view.dropBelow(z - v.layout.k);
        per[c]!.model += l.model;
        per[c]!.mean += l.neighbourMean;
        per[c]!.flat += l.flat;
        zModel += l.model / C;
        zMean += l.neighbourMean / C;
      });
      perPlane.push({ z, model: zModel, neighbourMean: zMean });
    }
    const n = planes.length;
    const sum = (k: 'model' | 'mean' | 'flat') => per.reduce((acc, p) => acc + p[k], 0) / (n * C);
    const verdict = verdictFromLosses({ model: sum('model'), neighbourMean: sum('mean'), flat: sum('flat'), perPlane }, { ...v.run, depth }, planes, heldOut);
    if (verdict.level === 'unavailable') return verdict;
    const gains = per.map((p, c) => {
      const g = p.mean > 0 ? 1 - p.model / p.mean : 0;
      return `${v.channels[c]!.name} ${pct(g)} ${g >= 0 ? 'better' : 'worse'}`;
    });
    return { ...verdict, sentence: `${verdict.sentence} Per channel: ${gains.join(', ')}.` };
  } catch (e) {
    return failedCheck(e);
  } finally {
    loaded?.predictor.dispose();
  }
}
