/**
 * The train use case, written once for every door (n2s train, the app's train job, the demo):
 *
 *   check the inputs (shared/config/training-checks.ts) → check the model folder → create the
 *   engine (watched: pause/cancel points, divergence, checkpoints) → train → save with
 *   model-store's saveTrainResult
 *
 * `trainOnStacks` is the single-stack core (stacks in memory; hyperstack loops call it per channel);
 * `trainFromFiles` reads the files and the background pattern first.
 * Emits: stage, train-start, step, epoch, checkpoint, log.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Stack } from '../../shared/stack.ts';
import { samplerLayout, type TrainingConfig } from '../../shared/config/training.ts';
import { TrainFilesRequest, TrainStacksRequest, type TrainFilesRequestInput, type TrainStacksRequestInput } from '../../shared/config/train-request.ts';
import { needsSecondCopy, trainingInputProblems, type TrainingCheckWording } from '../../shared/config/training-checks.ts';
import { buildArch, type ArchSpec } from '../../shared/model/arch.ts';
import { InputMismatchError, OutputExistsError, TrainingDivergedError } from '../errors.ts';
import type { Batch, EngineReport, HistoryPoint, NamedWeights, Normalisation, TrainEngine, TrainEngineOptions, TrainEvent } from '../engine/types.ts';
import type { TrainResult } from '../engine/train.ts';
import { budgetFor, onAccelerator, plannedPatch, type BudgetOptions } from '../engine/budget.ts';
import type { Verdict } from '../../shared/verdict.ts';
import type { WorkflowEvent } from '../../shared/workflow-events.ts';
import { cancellable, parseRequest, samePath, sameShape, throwIfCancelled, type WorkflowOptions } from './common.ts';

export interface TrainData {
  stack: Stack;
  /** Second, independently noisy copy (copy-supervised N2S, Noise2Noise). */
  copy?: Stack;
  /** Clean reference (Noise2Clean). */
  clean?: Stack;
  /** Camera background pattern (one plane), subtracted before normalisation and saved with the model. */
  background?: Float32Array | null;
  /**
   * Further stacks of the same shape and noise, sampled together with `stack` (a hyperstack's other
   * time points, or its per-plane time series for neighbours along t); self-supervised methods only.
   */
  more?: Stack[];
}

export interface TrainOptions extends WorkflowOptions {
  /** Awaited before every step: the app's pause point (it may throw to cancel). */
  beforeStep?: () => Promise<void>;
  /** How settings are named in refusals (the CLI says --patch). */
  wording?: TrainingCheckWording;
}

export interface TrainOutcome {
  modelDir: string;
  checkpointDir?: string;
  checkpoints: number;
  config: TrainingConfig;
  layout: { mode: 'self' | 'copy'; k: number; inChannels: number };
  history: HistoryPoint[];
  finalLoss: number | null;
  bestValLoss: number | null;
  bestEpoch: number;
  engine: EngineReport;
  cancelled: boolean;
  seconds: number;
  /** "Did it work?": held-out self-supervised loss vs the neighbour mean, in words (docs/verdict.md). */
  verdict: Verdict;
}

/**
 * The training-input checks of shared/config/training-checks.ts as an error (the first problem):
 * the same rule the Train panel shows while the user edits.
 */
export function checkTrainingInputs(config: TrainingConfig, data: TrainData, wording?: TrainingCheckWording, explicitPatch = true): void {
  const { stack } = data;
  const problems = trainingInputProblems(
    config,
    { name: stack.meta.name, depth: stack.depth, height: stack.height, width: stack.width, hasCopy: Boolean(data.copy), hasClean: Boolean(data.clean) },
    wording,
  );
  const first = problems[0];
  // A patch the user did not set is the planned one (plannedPatch): it only fails to fit when the
  // planes are smaller than the network's smallest input, which is what the message then says.
  if (first?.field === 'patch' && !explicitPatch) {
    throw new InputMismatchError(`the planes of ${stack.meta.name} (${stack.height}×${stack.width}) are smaller than the ${config.patch}×${config.patch} the ${config.arch} U-Net needs at least`);
  }
  if (first) throw new InputMismatchError(first.message);
  if (data.copy) sameShape(data.stack, data.copy, `the second copy ${data.copy.meta.name}`);
  if (data.clean) sameShape(data.stack, data.clean, `the clean reference ${data.clean.meta.name}`);
  for (const m of data.more ?? []) sameShape(data.stack, m, `the training stack ${m.meta.name}`);
  if (data.more?.length && (data.copy || data.clean)) throw new InputMismatchError('further training stacks are only supported for self-supervised training (no second copy or clean reference)');
  const bg = data.background;
  if (bg && bg.length !== data.stack.height * data.stack.width) {
    throw new InputMismatchError(`the background pattern has ${bg.length} pixels, the planes of ${data.stack.meta.name} ${data.stack.height}×${data.stack.width}`);
  }
}

/**
 * The config with the patch the run will train with (the budget's choice or the default capped by the
 * planes, engine/budget.ts plannedPatch), so the checks refuse only a patch the run would really use.
 */
function withPlannedPatch(config: TrainingConfig, explicit: boolean, budget: BudgetOptions | null, planes: { height: number; width: number }): TrainingConfig {
  const divisor = buildArch({ arch: config.arch, inChannels: 1 }).divisor;
  const patch = plannedPatch({ budget, explicit, patch: config.patch, accelerator: onAccelerator(config), height: planes.height, width: planes.width, divisor });
  return patch === config.patch ? config : { ...config, patch };
}

/**
 * A model folder is replaced only with overwrite, and only when it is one (config.json) or empty:
 * checked before training starts, so an hour of training never ends in a refusal.
 */
export async function checkModelOut(
  out: string,
  overwrite: boolean,
  inputs: string[] = [],
  kind: { file: string; what: string } = { file: 'config.json', what: 'model folder' },
): Promise<void> {
  for (const p of inputs) if (samePath(p, out)) throw new OutputExistsError(`${out} is an input file; choose another model folder`);
  let st;
  try {
    st = await stat(out);
  } catch {
    return;
  }
  if (!st.isDirectory()) throw new OutputExistsError(`${out} exists and is not a folder; choose another model folder`);
  const names = await readdir(out);
  if (names.length === 0) return;
  if (!names.includes(kind.file)) throw new OutputExistsError(`${out} is a folder that is not a ${kind.what}; choose another model folder`);
  if (!overwrite) throw new OutputExistsError(`${out} already holds a model; pass --overwrite to replace it (or choose another folder)`);
}

/** Delegates to the real engine; adds the pause point, the divergence check and checkpoints. */
export class WatchedEngine implements TrainEngine {
  steps = 0;
  constructor(
    private readonly inner: TrainEngine,
    private readonly stepsPerEpoch: number,
    private readonly beforeStep: (() => Promise<void>) | undefined,
    private readonly every: number,
    private readonly onCheckpoint: (weights: NamedWeights, step: number) => Promise<void>,
  ) {}
  init(spec: ArchSpec, weights: NamedWeights, opts: TrainEngineOptions): Promise<void> {
    return this.inner.init(spec, weights, opts);
  }
  async step(batch: Batch, lr: number): Promise<number> {
    await this.beforeStep?.();
    const loss = await this.inner.step(batch, lr);
    this.steps++;
    if (!Number.isFinite(loss)) {
      const epoch = Math.floor((this.steps - 1) / this.stepsPerEpoch) + 1;
      throw new TrainingDivergedError(`training diverged (loss ${loss}) at epoch ${epoch} step ${((this.steps - 1) % this.stepsPerEpoch) + 1}; try a lower learning rate (--lr)`);
    }
    if (this.every > 0 && this.steps % this.every === 0) await this.onCheckpoint(await this.inner.getWeights(), this.steps);
    return loss;
  }
  evaluate(batch: Batch): Promise<number> {
    return this.inner.evaluate(batch);
  }
  getWeights(): Promise<NamedWeights> {
    return this.inner.getWeights();
  }
  describe(): EngineReport {
    return this.inner.describe();
  }
  dispose(): void {
    this.inner.dispose();
  }
}

/**
 * trainModel's events as the workflow's (train-start, step, epoch), with what they imply: the
 * engine, the total steps (a budgeted run plans its own) and the history so far.
 */
export class TrainRelay {
  totalSteps: number;
  readonly history: HistoryPoint[] = [];
  engine: EngineReport = { engine: 'tfjs', backend: 'unknown' };
  constructor(
    private readonly emit: (e: WorkflowEvent) => void,
    private readonly config: { epochs: number; stepsPerEpoch: number },
  ) {
    this.totalSteps = config.epochs * config.stepsPerEpoch;
  }
  readonly onEvent = (e: TrainEvent): void => {
    const { emit, config } = this;
    switch (e.type) {
      case 'start':
        this.engine = e.engine;
        this.totalSteps = e.epochs * e.stepsPerEpoch;
        emit({
          type: 'train-start',
          engine: { engine: e.engine.engine, backend: e.engine.backend, provider: e.engine.provider, note: e.engine.note },
          epochs: e.epochs,
          stepsPerEpoch: e.stepsPerEpoch,
          totalSteps: this.totalSteps,
          trainPlanes: e.trainPlanes,
          valPlanes: e.valPlanes,
          inChannels: e.inChannels,
          parameters: e.parameters,
        });
        break;
      case 'step':
        emit({
          type: 'step',
          step: (e.epoch - 1) * e.stepsPerEpoch + e.step,
          totalSteps: this.totalSteps,
          epoch: e.epoch,
          epochs: config.epochs,
          stepInEpoch: e.step,
          stepsPerEpoch: e.stepsPerEpoch,
          loss: e.loss,
          lr: e.lr,
          secondsPerStep: e.secondsPerStep,
          eta: e.eta,
        });
        break;
      case 'epoch':
        this.history.push({ epoch: e.epoch, loss: e.loss, valLoss: e.valLoss, lr: e.lr, seconds: 0 });
        emit({ type: 'epoch', epoch: e.epoch, epochs: e.epochs, step: e.epoch * config.stepsPerEpoch, totalSteps: this.totalSteps, loss: e.loss, valLoss: e.valLoss, lr: e.lr, secondsPerStep: e.secondsPerStep, eta: e.eta, best: e.best });
        break;
    }
  };
}

/** Train on stacks in memory and save the best model to request.out. */
export async function trainOnStacks(request: TrainStacksRequestInput, data: TrainData, o: TrainOptions = {}): Promise<TrainOutcome> {
  const req = parseRequest(TrainStacksRequest, request);
  // From the config as the door wrote it: what the user left unset is the budget's to choose.
  const budget = budgetFor(request.config ?? {}, req.config, req.time);
  const explicitPatch = typeof request.config?.patch === 'number';
  const config = withPlannedPatch(req.config, explicitPatch, budget, data.stack);
  const emit = o.onEvent ?? (() => {});
  const log = (line: string) => emit({ type: 'log', line });
  checkTrainingInputs(config, data, o.wording, explicitPatch);
  await checkModelOut(req.out, req.overwrite);
  throwIfCancelled(o.signal);

  const { trainModel, createTrainEngine, archFor } = await import('../engine/train.ts');
  const { saveTrainResult } = await import('../engine/model-store.ts');
  const { fitNormalisation, subtractBackground } = await import('../engine/normalise.ts');
  const { stack } = data;
  const background = data.background ?? undefined;
  const layout = samplerLayout(config);
  const spec = archFor(config);
  const relay = new TrainRelay(emit, config);
  let checkpoints = 0;
  let checkpointNormalisation: Normalisation | null = null;
  const checkpointDir = req.checkpointEvery > 0 ? (req.checkpointDir ?? `${req.out}/checkpoint`) : undefined;

  const saveCheckpoint = async (weights: NamedWeights, step: number) => {
    if (!checkpointDir) return;
    // The checkpoint is a model like the final one (same saver), with the background pattern, so
    // a preview from it is the denoise a finished model would give.
    checkpointNormalisation ??= fitNormalisation(config.normalise, background ? subtractBackground(stack.data, background) : stack.data);
    const r: TrainResult = {
      config,
      layout,
      spec,
      weights,
      normalisation: checkpointNormalisation,
      history: [...relay.history],
      finalLoss: null,
      bestValLoss: null,
      bestEpoch: 0,
      engine: relay.engine,
      cancelled: false,
      seconds: 0,
      background: background ?? null,
    };
    await saveTrainResult(checkpointDir, r, stack);
    checkpoints++;
    emit({ type: 'checkpoint', step, totalSteps: relay.totalSteps, count: checkpoints, dir: checkpointDir });
  };

  const inner = await createTrainEngine(config.engine, log, config.backend);
  const engine = new WatchedEngine(inner, config.stepsPerEpoch, o.beforeStep, req.checkpointEvery, saveCheckpoint);
  const r = await cancellable(o.signal, () =>
    trainModel({
      config,
      volumes: [
        { depth: stack.depth, height: stack.height, width: stack.width, a: stack.data, b: needsSecondCopy(config) ? data.copy?.data : undefined, clean: data.clean?.data },
        ...(data.more ?? []).map((m) => ({ depth: m.depth, height: m.height, width: m.width, a: m.data })),
      ],
      engine,
      signal: o.signal,
      background,
      log,
      onEvent: relay.onEvent,
      budget,
    }),
  );
  emit({ type: 'stage', stage: 'save', message: 'saving the model' });
  await saveTrainResult(req.out, r, stack);
  emit({ type: 'stage', stage: 'verdict', message: 'checking the model on held-out planes' });
  const { verdictForSavedModel } = await import('../engine/verdict.ts');
  // No signal: a cancelled run still gets its (short) check, with the early stop as a warning.
  const verdict = await verdictForSavedModel(req.out, r, stack, { stepsDone: engine.steps, stepsPlanned: r.stepsPlanned ?? relay.totalSteps, cancelled: r.cancelled }, log);
  return {
    modelDir: req.out,
    checkpointDir: checkpoints > 0 ? checkpointDir : undefined,
    checkpoints,
    config: r.config,
    layout: r.layout,
    history: r.history,
    finalLoss: r.finalLoss,
    bestValLoss: r.bestValLoss,
    bestEpoch: r.bestEpoch,
    engine: r.engine,
    cancelled: r.cancelled,
    seconds: r.seconds,
    verdict,
  };
}

/** Read the stacks (and the background pattern) of a files request, then trainOnStacks. */
export async function trainFromFiles(request: TrainFilesRequestInput, o: TrainOptions = {}): Promise<TrainOutcome> {
  const req = parseRequest(TrainFilesRequest, request);
  const inputs = [req.input, req.copy, req.clean, req.background].filter((p): p is string => Boolean(p) && p !== 'median');
  // Before any reading: the model folder, and the inputs the method needs.
  await checkModelOut(req.out, req.overwrite, inputs);
  const wording = o.wording;
  // The inputs the method needs, before reading anything (the shape checks follow the read).
  const missing = trainingInputProblems(req.config, { name: basename(req.input), depth: Infinity, height: Infinity, width: Infinity, hasCopy: Boolean(req.copy), hasClean: Boolean(req.clean) }, wording);
  if (missing.length > 0) throw new InputMismatchError(missing[0].message);
  const { readStack } = await import('../io/index.ts');
  const emit = o.onEvent ?? (() => {});
  emit({ type: 'stage', stage: 'read', message: `reading ${basename(req.input)}` });
  const stack = await readStack(req.input);
  // Shape checks before the other files are read (a wrong K or patch is known now).
  const explicitPatch = typeof request.config?.patch === 'number';
  const planned = withPlannedPatch(req.config, explicitPatch, budgetFor(request.config ?? {}, req.config, req.time), stack);
  checkTrainingInputs(planned, { stack, copy: req.copy ? stack : undefined, clean: req.clean ? stack : undefined }, wording, explicitPatch);
  const copy = req.copy ? await readStack(req.copy) : undefined;
  const clean = req.clean ? await readStack(req.clean) : undefined;
  let background: Float32Array | undefined;
  if (req.background) {
    const { estimateBackground } = await import('../engine/normalise.ts');
    if (req.background === 'median') background = estimateBackground([stack], stack.height, stack.width);
    else {
      const bg = await readStack(req.background);
      if (bg.height !== stack.height || bg.width !== stack.width) {
        throw new InputMismatchError(`the background ${bg.meta.name} is ${bg.height}×${bg.width}, the input planes ${stack.height}×${stack.width}`);
      }
      background = estimateBackground([bg], stack.height, stack.width);
    }
  }
  // The config as written (not req's, where defaults are filled in): the budget reads what was set.
  return trainOnStacks({ ...req, config: request.config }, { stack, copy, clean, background }, o);
}
