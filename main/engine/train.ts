/**
 * The trainer (docs/method.md §4): Adam with a cosine-decayed learning rate stepped per epoch, MSE
 * (masked for Noise2Void), validation every epoch, best-by-validation checkpoint, progress events and
 * cancellation. It drives any TrainEngine; tfjs is the default, the ONNX training engine is loaded
 * on request from main/engine/onnx/train/index.ts.
 */
import { buildArch, defaultResidualChannels, weightShapes, type ArchSpec } from '../../shared/model/arch.ts';
import { initWeights, type NamedWeights } from '../../shared/model/init.ts';
import { samplerLayout, TrainingConfig, type TrainingConfigInput } from '../../shared/config/training.ts';
import { type BudgetOptions, type BudgetPlan, chooseShape, describePlan, MEASURED_STEPS, MIN_STEPS_PER_EPOCH, onAccelerator, planBudget } from './budget.ts';
import { fitNormalisation, normalise, subtractBackground } from './normalise.ts';
import { splitPlanes, streamBatches, type SamplerOptions, type Volume } from './sampler.ts';
import { DEFAULT_ADAM, type Batch, type EngineReport, type HistoryPoint, type Normalisation, type ProgressListener, type TrainEngine, type TrainEvent } from './types.ts';

/** One training stack as read from disk (raw intensities, ZYX). */
export interface RawVolume {
  depth: number;
  height: number;
  width: number;
  a: Float32Array;
  b?: Float32Array;
  clean?: Float32Array;
}

export interface TrainOptions {
  config: TrainingConfigInput;
  volumes: RawVolume[];
  /** An engine to use instead of the one config.engine names (tests, the app's worker). */
  engine?: TrainEngine;
  onEvent?: ProgressListener<TrainEvent>;
  signal?: AbortSignal;
  /** One-line notices (backend choice, engine fall-back). */
  log?: (line: string) => void;
  /**
   * Camera background pattern (one plane) subtracted from the noisy stacks before normalisation
   * (docs/method.md §5); returned in the result so the model carries it to prediction.
   */
  background?: Float32Array;
  /**
   * A time budget (budget.ts): batch/patch/epochs/steps the user did not fix are chosen from the
   * step time measured at the start of this run, and the estimate is logged before training goes on.
   * budgetFor() says when a request implies one (no step flags on a CPU, or --time).
   */
  budget?: BudgetOptions | null;
  /**
   * Stop when the validation loss (the training loss without a validation set) has not improved
   * for this many epochs; 0 = never. Default: the budget's patience, else never.
   */
  patience?: number;
  /**
   * Batches from another sampler instead of the volumes' own (the joint hyperstack sampler,
   * main/engine/joint-sampler.ts): its network, training stream and fixed validation batches.
   * `volumes` then only provides the normalisation recorded with the model.
   */
  sampler?: { spec: ArchSpec; train: Iterator<Batch>; val: Batch[]; trainPlanes: number; valPlanes: number };
}

export interface TrainResult {
  config: TrainingConfig;
  layout: { mode: 'self' | 'copy'; k: number; inChannels: number };
  spec: ArchSpec;
  /** Best-by-validation weights (last epoch's when there is no validation set). */
  weights: NamedWeights;
  normalisation: Normalisation;
  history: HistoryPoint[];
  finalLoss: number | null;
  bestValLoss: number | null;
  bestEpoch: number;
  engine: EngineReport;
  cancelled: boolean;
  seconds: number;
  background: Float32Array | null;
  /** True when early stopping ended the run before its last epoch. */
  stoppedEarly?: boolean;
  /** Steps the run was set to do (a budgeted run re-plans them as it goes) and the steps it did. */
  stepsPlanned?: number;
  stepsDone?: number;
  /** The budget's plan and the seconds the run really took after the plan was made (null without a budget). */
  budget?: { plan: BudgetPlan; seconds: number; actualSeconds: number } | null;
}

/** Learning rate of epoch e (0-based): cosine decay from lr towards 0 over the run. */
export function cosineLr(lr: number, epoch: number, epochs: number): number {
  return lr * 0.5 * (1 + Math.cos((Math.PI * epoch) / epochs));
}

export function archFor(config: TrainingConfig): ArchSpec {
  const layout = samplerLayout(config);
  // Noise2Void's input pixel is masked, so adding it back would defeat the blind spot; n2s-bs adds
  // back the mean of planes i±1 instead (channels k∓1 of its copy layout), as self-supervised N2S does.
  const residual =
    config.arch !== 'csbdeep' || config.method === 'n2v' ? [] : config.method === 'n2s-bs' ? [layout.k - 1, layout.k + 1] : defaultResidualChannels(layout.mode, layout.k);
  return buildArch({ arch: config.arch, inChannels: layout.inChannels, residualChannels: residual, widthScale: config.widthScale });
}

/**
 * Whether `auto` should train with ONNX Runtime: yes unless the user forced a tfjs backend or
 * tfjs-node-gpu (libtensorflow with CUDA) is installed. Measured order on a CPU-only machine
 * (bench/onnx-train.ts): ONNX Runtime's training graph 2.7× faster than tfjs-wasm; tfjs-node-gpu,
 * where it installs, trains on the GPU.
 */
async function autoPrefersOnnx(backend: string | undefined): Promise<boolean> {
  if (backend !== undefined && backend !== 'auto') return false;
  try {
    await import('@tensorflow/tfjs-node-gpu');
    return false;
  } catch {
    return true;
  }
}

/**
 * Creates the engine config.engine asks for: 'onnx', 'tfjs', or 'auto' (ONNX Runtime unless
 * tfjs-node-gpu loads or a tfjs backend is forced); falls back to tfjs with a message if ONNX fails.
 */
export async function createTrainEngine(engine: string, log?: (l: string) => void, backend?: string): Promise<TrainEngine> {
  if (engine === 'onnx' || (engine === 'auto' && (await autoPrefersOnnx(backend)))) {
    try {
      const mod = (await import('./onnx/train/index.ts')) as {
        createOnnxTrainEngine?: () => TrainEngine | Promise<TrainEngine>;
        OnnxTrainEngine?: new () => TrainEngine;
      };
      if (typeof mod.createOnnxTrainEngine === 'function') return await mod.createOnnxTrainEngine();
      if (typeof mod.OnnxTrainEngine === 'function') return new mod.OnnxTrainEngine();
      throw new Error('main/engine/onnx/train/index.ts exports neither createOnnxTrainEngine() nor class OnnxTrainEngine');
    } catch (e) {
      log?.(`onnx training engine unavailable (${(e as Error).message.split('\n')[0]}); using tfjs`);
    }
  }
  const { TfjsTrainEngine } = await import('./tfjs/engine.ts');
  return new TfjsTrainEngine();
}

function normaliseVolumes(volumes: RawVolume[], kind: TrainingConfig['normalise']): { vols: Volume[]; first: Normalisation } {
  let first: Normalisation = { kind: 'none' };
  const vols = volumes.map((v, i) => {
    const fit = (d: Float32Array) => normalise(fitNormalisation(kind, d), d);
    if (i === 0) first = fitNormalisation(kind, v.a);
    return { depth: v.depth, height: v.height, width: v.width, a: fit(v.a), b: v.b && fit(v.b), clean: v.clean && fit(v.clean) };
  });
  return { vols, first };
}

export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  let config = TrainingConfig.parse(opts.config);
  const layout = samplerLayout(config);
  const spec = opts.sampler?.spec ?? archFor(config);
  const budget = opts.budget ?? null;
  // Another sampler's batches have their own batch and patch: the budget then plans the steps only.
  if (budget && !opts.sampler) {
    const v0 = opts.volumes[0];
    const shape = chooseShape({ accelerator: onAccelerator(config), height: v0?.height ?? config.patch, width: v0?.width ?? config.patch, divisor: spec.divisor, fixed: budget.fixed });
    config = { ...config, ...shape };
  }
  const sOpts: SamplerOptions = {
    method: config.method,
    mode: layout.mode,
    k: layout.k,
    patch: config.patch,
    batch: config.batch,
    augment: config.augment,
    maxShift: config.maxShift,
    n2vFraction: config.n2vFraction,
    n2vRadius: config.n2vRadius,
  };
  const bg = opts.background;
  const raw = bg
    ? opts.volumes.map((v) => {
        if (bg.length !== v.height * v.width) throw new Error(`the background pattern has ${bg.length} pixels, the planes ${v.height}×${v.width}`);
        return { ...v, a: subtractBackground(v.a, bg), b: v.b && subtractBackground(v.b, bg) };
      })
    : opts.volumes;
  const { vols, first: fitted } = normaliseVolumes(raw, config.normalise);
  const first: Normalisation = bg && fitted.kind === 'percentile' ? { ...fitted, background: true } : fitted;
  const split = opts.sampler ? null : splitPlanes(vols, config.valFraction, config.valSplit);
  const planeCounts = split ? { train: split.train.length, val: split.val.length } : { train: opts.sampler!.trainPlanes, val: opts.sampler!.valPlanes };
  const trainStream = split ? streamBatches(vols, split.train, sOpts, config.seed + 1) : opts.sampler!.train;
  // Fixed validation batches, so validation losses of different epochs are comparable.
  const valBatches: Batch[] = split ? [] : [...opts.sampler!.val];
  if (split && split.val.length > 0) {
    const vs = streamBatches(vols, split.val, sOpts, config.seed + 2);
    for (let i = 0; i < config.valBatches; i++) valBatches.push(vs.next().value as Batch);
  }
  const engine = opts.engine ?? (await createTrainEngine(config.engine, opts.log, config.backend));
  const t0 = Date.now();
  try {
    await engine.init(spec, initWeights(spec, config.seed), {
      adam: DEFAULT_ADAM,
      backend: config.backend,
      provider: config.provider,
      maxBatch: config.batch,
      patch: config.patch,
      log: opts.log,
    });
    const history: HistoryPoint[] = [];
    let best: { weights: NamedWeights; val: number | null; epoch: number } | null = null;
    let finalLoss: number | null = null;
    let cancelled = false;
    let done = 0;
    // Steps of epoch 1 already run while measuring (budgeted runs), with their summed loss.
    const pre = { steps: 0, sum: 0 };
    let plan: BudgetPlan | null = null;
    let tPlan = 0;
    // One batch ahead: the next batch is sampled while the current step runs (the ONNX engine
    // steps in a worker thread, so sampling overlaps it).
    let nextBatch = trainStream.next().value as Batch;
    const runStep = async (lr: number): Promise<number> => {
      const stepDone = engine.step(nextBatch, lr);
      nextBatch = trainStream.next().value as Batch;
      const loss = await stepDone;
      if (!Number.isFinite(loss)) throw new Error(`training diverged (loss ${loss}) at epoch 1 step ${done + 1}; try a lower --lr`);
      done++;
      return loss;
    };
    if (budget) {
      // A warm-up step (allocations, kernel selection), then MEASURED_STEPS timed ones: all are real
      // steps of epoch 1 at its learning rate (the cosine schedule's epoch 0 is lr whatever the epochs).
      pre.sum += await runStep(config.lr);
      const times: number[] = [];
      for (let i = 0; i < MEASURED_STEPS; i++) {
        const ts = performance.now();
        pre.sum += await runStep(config.lr);
        times.push((performance.now() - ts) / 1000);
      }
      pre.steps = done;
      let secondsPerValidation = 0;
      if (valBatches.length > 0) {
        await engine.evaluate(valBatches[0]); // the evaluation graph's warm-up
        const tv = performance.now();
        await engine.evaluate(valBatches[0]);
        secondsPerValidation = ((performance.now() - tv) / 1000) * valBatches.length;
      }
      const sorted = [...times].sort((a, b) => a - b);
      plan = planBudget({
        seconds: budget.seconds,
        elapsed: (Date.now() - t0) / 1000,
        secondsPerStep: sorted[sorted.length >> 1],
        secondsPerValidation,
        measuredSteps: pre.steps,
        batch: config.batch,
        patch: config.patch,
        fixed: budget.fixed,
        patience: budget.patience,
      });
      config = { ...config, epochs: plan.epochs, stepsPerEpoch: plan.stepsPerEpoch };
      opts.log?.(describePlan(plan, budget.seconds));
      tPlan = performance.now();
    }
    const patience = opts.patience ?? plan?.patience ?? 0;
    const report = engine.describe();
    const parameters = weightShapes(spec).reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1), 0);
    opts.onEvent?.({
      type: 'start',
      engine: report,
      epochs: config.epochs,
      stepsPerEpoch: config.stepsPerEpoch,
      trainPlanes: planeCounts.train,
      valPlanes: planeCounts.val,
      inChannels: layout.inChannels,
      parameters,
    });
    let totalSteps = config.epochs * config.stepsPerEpoch;
    // A budgeted run keeps to its estimate on a machine whose speed changes (other jobs): after each
    // epoch the later epochs' steps are re-planned from the step time and the per-epoch overhead
    // (validation, checkpoint copy) observed so far. Not when the user fixed the steps per epoch.
    const adapt = plan !== null && budget?.fixed?.stepsPerEpoch === undefined;
    const deadline = tPlan + (plan?.estimateSeconds ?? 0) * 1000;
    let stepMs = 0;
    let stepsTimed = 0;
    let otherMs = 0;
    const tTrain = Date.now();
    const doneBefore = done;
    let sinceBest = 0;
    let stoppedEarly = false;
    for (let epoch = 0; epoch < config.epochs && !cancelled; epoch++) {
      const lr = cosineLr(config.lr, epoch, config.epochs);
      let sum = epoch === 0 ? pre.sum : 0;
      let steps = epoch === 0 ? pre.steps : 0;
      for (let s = steps; s < config.stepsPerEpoch; s++) {
        if (opts.signal?.aborted) {
          cancelled = true;
          break;
        }
        const ts = performance.now();
        const stepDone = engine.step(nextBatch, lr);
        nextBatch = trainStream.next().value as Batch;
        const loss = await stepDone;
        stepMs += performance.now() - ts;
        stepsTimed++;
        if (!Number.isFinite(loss)) throw new Error(`training diverged (loss ${loss}) at epoch ${epoch + 1} step ${s + 1}; try a lower --lr`);
        sum += loss;
        steps++;
        done++;
        const sps = (Date.now() - tTrain) / 1000 / Math.max(1, done - doneBefore);
        opts.onEvent?.({ type: 'step', epoch: epoch + 1, step: s + 1, stepsPerEpoch: config.stepsPerEpoch, loss, lr, secondsPerStep: sps, eta: sps * (totalSteps - done) });
      }
      if (steps < config.stepsPerEpoch) break; // cancelled mid-epoch: keep the last complete epoch's state
      const tOther = performance.now();
      const meanLoss = sum / steps;
      finalLoss = meanLoss;
      let valLoss: number | null = null;
      if (valBatches.length > 0) {
        let v = 0;
        for (const b of valBatches) v += await engine.evaluate(b);
        valLoss = v / valBatches.length;
      }
      const criterion = valLoss ?? meanLoss;
      const isBest = best === null || criterion < (best.val ?? Infinity);
      if (isBest) best = { weights: await engine.getWeights(), val: criterion, epoch: epoch + 1 };
      sinceBest = isBest ? 0 : sinceBest + 1;
      otherMs += performance.now() - tOther;
      const epochsLeft = config.epochs - epoch - 1;
      if (adapt && plan && epochsLeft > 0 && stepsTimed > 0) {
        const perStep = stepMs / stepsTimed;
        const perEpochOther = otherMs / (epoch + 1);
        const spe = Math.floor((deadline - performance.now() - epochsLeft * perEpochOther) / (epochsLeft * perStep));
        const next = Math.max(MIN_STEPS_PER_EPOCH, Math.min(4 * plan.stepsPerEpoch, spe));
        totalSteps = done + epochsLeft * next;
        config = { ...config, stepsPerEpoch: next };
      }
      const sps = (Date.now() - tTrain) / 1000 / Math.max(1, done - doneBefore);
      history.push({ epoch: epoch + 1, loss: meanLoss, valLoss, lr, seconds: (Date.now() - t0) / 1000 });
      opts.onEvent?.({ type: 'epoch', epoch: epoch + 1, epochs: config.epochs, loss: meanLoss, valLoss, lr, secondsPerStep: sps, eta: sps * (totalSteps - done), best: isBest });
      if (patience > 0 && sinceBest >= patience && epoch + 1 < config.epochs) {
        stoppedEarly = true;
        opts.log?.(`stopping early after epoch ${epoch + 1}: no better ${valLoss === null ? 'training' : 'validation'} loss for ${patience} epochs (best: epoch ${best?.epoch})`);
        break;
      }
    }
    if (!best) {
      if (!cancelled) throw new Error('training produced no epoch');
      throw new Error('training was cancelled before the first epoch finished; nothing to save');
    }
    return {
      config,
      layout,
      spec,
      weights: best.weights,
      normalisation: first,
      history,
      finalLoss,
      bestValLoss: valBatches.length > 0 ? best.val : null,
      bestEpoch: best.epoch,
      engine: report,
      cancelled,
      seconds: (Date.now() - t0) / 1000,
      background: bg ?? null,
      stoppedEarly,
      stepsPlanned: totalSteps,
      stepsDone: done,
      budget: plan && budget ? { plan, seconds: budget.seconds, actualSeconds: (performance.now() - tPlan) / 1000 } : null,
    };
  } finally {
    engine.dispose();
  }
}
