/**
 * Training on a whole hyperstack (docs/hyperstacks.md), on top of the single-stack train workflow:
 *
 *   per channel (default): one model per channel — no bleed-through between channels — stored as
 *     one model folder with an entry per channel (main/engine/hyperstack-model.ts);
 *   time points are further training data for the same model (the noise is the same), sampled
 *     across time; with neighbours along t every plane's time series is a training stack instead.
 */
import { basename, join } from 'node:path';
import { channelVolume, timeSeries, type Hyperstack } from '../../shared/hyperstack.ts';
import type { Stack } from '../../shared/stack.ts';
import { HyperstackTrainRequest, type HyperstackTrainRequestInput } from '../../shared/config/hyperstack-request.ts';
import { minPlanes } from '../../shared/model/neighbours.ts';
import { samplerLayout } from '../../shared/config/training.ts';
import { HYPERSTACK_MODEL_FILE, writeHyperstackManifest, type HyperstackModelManifest } from '../engine/hyperstack-model.ts';
import { budgetFor, chooseShape, onAccelerator, type BudgetOptions } from '../engine/budget.ts';
import { CancelledError, InputMismatchError } from '../errors.ts';
import type { Batch } from '../engine/types.ts';
import { cancellable, parseRequest, throwIfCancelled } from './common.ts';
import { checkModelOut, trainOnStacks, TrainRelay, WatchedEngine, type TrainOptions, type TrainOutcome } from './train.ts';

export interface HyperstackTrainOutcome {
  modelDir: string;
  manifest: HyperstackModelManifest;
  /** One per entry of the manifest, in its order. */
  entries: { channels: number[]; names?: string[]; dir: string; outcome: TrainOutcome }[];
}

/** The hyperstack model folder: new, empty, or (with overwrite) a hyperstack model folder. */
function checkHyperstackModelOut(out: string, overwrite: boolean): Promise<void> {
  return checkModelOut(out, overwrite, [], { file: HYPERSTACK_MODEL_FILE, what: 'hyperstack model folder' });
}

/** The training stacks of channel c: its T z-stacks (neighbours along z) or its Z time series (along t). */
function trainingStacks(h: Hyperstack, c: number, axis: 'z' | 't'): Stack[] {
  const m = h.meta;
  const out: Stack[] = [];
  if (axis === 'z') for (let t = 0; t < m.times; t++) out.push(channelVolume(h, t, c));
  else for (let z = 0; z < m.depth; z++) out.push(timeSeries(h, c, z));
  return out;
}

/** Train on a hyperstack in memory; the model folder gets one entry per channel. */
export async function trainHyperstack(request: HyperstackTrainRequestInput, h: Hyperstack, o: TrainOptions = {}): Promise<HyperstackTrainOutcome> {
  const req = parseRequest(HyperstackTrainRequest, request);
  const m = h.meta;
  const axis = req.neighbourAxis;
  const layout = samplerLayout(req.config);
  const along = axis === 'z' ? m.depth : m.times;
  const need = minPlanes(layout.mode, layout.k);
  if (along < need) {
    throw new InputMismatchError(`${m.name} has ${along} ${axis === 'z' ? 'plane' : 'time point'}${along === 1 ? '' : 's'}; neighbours along ${axis} with ${layout.mode}-supervised K=${layout.k} need at least ${need}${axis === 't' ? '' : ' (for a time-lapse of single planes use --neighbour-axis t)'}`);
  }
  if (req.config.method !== undefined && !['n2s', 'n2v', 'n2s-bs'].includes(req.config.method)) {
    throw new InputMismatchError(`whole-hyperstack training is self-supervised (n2s, n2s-bs, n2v); ${req.config.method} needs a second copy or a reference: train one stack at a time`);
  }
  await checkHyperstackModelOut(req.out, req.overwrite);
  // One time budget for the whole run — the user's, or the default CPU budget when the config sets
  // no step counts (engine/budget.ts) — shared by the channels' models, so C channels do not take C
  // times as long as the user asked for.
  const budget = budgetFor(request.config ?? {}, req.config, req.time);
  const models = req.channels === 'joint' ? 1 : m.channels;
  const emit = o.onEvent ?? (() => {});
  const entries: HyperstackTrainOutcome['entries'] = [];
  if (req.channels === 'joint') {
    const names = m.channelMeta.map((c, i) => c.name ?? `C${i}`);
    emit({ type: 'stage', stage: 'train', message: `one joint network for ${m.channels} channels` });
    const outcome = await trainJoint(req, h, join(req.out, 'joint'), o, budget);
    entries.push({ channels: Array.from({ length: m.channels }, (_, c) => c), names, dir: 'joint', outcome });
  }
  for (let c = 0; c < m.channels && req.channels === 'per-channel'; c++) {
    // Stopped: the channels trained so far (the last one with its best model so far, as a single
    // stack's Ctrl-C) are kept and listed below; nothing trained at all is a plain cancel.
    if (o.signal?.aborted && entries.length > 0) break;
    throwIfCancelled(o.signal);
    const name = m.channelMeta[c]?.name;
    emit({ type: 'stage', stage: 'train', message: `channel ${c}${name ? ` (${name})` : ''} of ${m.channels}: ${axis === 'z' ? `${m.times} time point${m.times === 1 ? '' : 's'} × ${m.depth} planes` : `${m.depth} planes × ${m.times} frames`}` });
    const [first, ...more] = trainingStacks(h, c, axis);
    const dir = `channel-${c}`;
    // The config as the door wrote it (not parsed): what it leaves unset is the budget's to choose.
    const share = budget ? { time: budget.seconds / models } : {};
    let outcome: TrainOutcome;
    try {
      outcome = await trainOnStacks({ config: request.config ?? {}, ...share, out: join(req.out, dir), overwrite: true, checkpointEvery: 0 }, { stack: first, more }, o);
    } catch (e) {
      // Stopped before this channel finished an epoch: it has nothing to save; the earlier ones stay.
      if (e instanceof CancelledError && entries.length > 0) break;
      throw e;
    }
    entries.push({ channels: [c], ...(name ? { names: [name] } : {}), dir, outcome });
  }
  const manifest = await writeHyperstackManifest(req.out, {
    channels: req.channels,
    neighbourAxis: axis,
    inputChannels: m.channels,
    trainTimes: m.times,
    entries: entries.map(({ channels, names, dir }) => ({ channels, ...(names ? { names } : {}), dir })),
  });
  return { modelDir: req.out, manifest, entries };
}

/**
 * One network for all channels: every channel's neighbours stacked as input planes, one output per
 * channel (shared/model/arch.ts outChannels), on the engine asked for (both train several outputs),
 * then checked on held-out planes as a single model is (engine/verdict.ts, per channel).
 */
async function trainJoint(req: HyperstackTrainRequest, h: Hyperstack, out: string, o: TrainOptions, budget: BudgetOptions | null): Promise<TrainOutcome> {
  const { TrainingConfig } = await import('../../shared/config/training.ts');
  const { buildArch } = await import('../../shared/model/arch.ts');
  const { trainModel, createTrainEngine } = await import('../engine/train.ts');
  const { saveTrainResult } = await import('../engine/model-store.ts');
  const { fitNormalisation, normalise } = await import('../engine/normalise.ts');
  const { samplerChannels, splitPlanes } = await import('../engine/sampler.ts');
  const { streamJointBatches } = await import('../engine/joint-sampler.ts');
  const config = TrainingConfig.parse(req.config);
  const layout = samplerLayout(config);
  if (config.method !== 'n2s' || layout.mode !== 'self') throw new InputMismatchError('--channels joint trains self-supervised Noise2Stack (--method n2s --mode self)');
  if (config.arch !== 'csbdeep') throw new InputMismatchError('--channels joint uses the CSBDeep U-Net (--arch csbdeep)');
  const m = h.meta;
  const C = m.channels;
  const stacks = Array.from({ length: C }, (_, c) => trainingStacks(h, c, req.neighbourAxis));
  // Each channel's volumes normalised on their own; the fits are kept for the check after training.
  const fits = stacks.map((sc) => sc.map((v) => fitNormalisation(config.normalise, v.data)));
  const vols = stacks[0].map((s0, i) => ({ depth: s0.depth, height: s0.height, width: s0.width, channels: stacks.map((sc, c) => normalise(fits[c][i], sc[i].data)) }));
  const split = splitPlanes(vols.map((v) => ({ depth: v.depth, height: v.height, width: v.width, a: v.channels[0] })), config.valFraction, config.valSplit);
  const divisor = buildArch({ arch: 'csbdeep', inChannels: 1, widthScale: config.widthScale }).divisor;
  // Under a budget the batch and patch the user left unset are the budget's (the sampler is ours, so
  // the trainer plans the steps only).
  const shape = budget ? chooseShape({ accelerator: onAccelerator(config), height: m.height, width: m.width, divisor, fixed: budget.fixed }) : { batch: config.batch, patch: config.patch };
  const sOpts = { method: config.method, mode: layout.mode, k: layout.k, patch: shape.patch, batch: shape.batch, augment: config.augment, maxShift: config.maxShift, n2vFraction: config.n2vFraction, n2vRadius: config.n2vRadius };
  const spec = buildArch({ arch: 'csbdeep', inChannels: C * samplerChannels(sOpts), outChannels: C, widthScale: config.widthScale });
  const val: Batch[] = [];
  if (split.val.length > 0) {
    const vs = streamJointBatches(vols, split.val, sOpts, config.seed + 2);
    for (let i = 0; i < config.valBatches; i++) val.push(vs.next().value as Batch);
  }
  const first = stacks[0][0];
  const emit = o.onEvent ?? (() => {});
  const log = (line: string) => emit({ type: 'log', line });
  const planned = { ...config, ...shape };
  // The same pause point, divergence check and progress events as a single stack's training.
  const relay = new TrainRelay(emit, planned);
  const engine = new WatchedEngine(await createTrainEngine(planned.engine, log, planned.backend), planned.stepsPerEpoch, o.beforeStep, 0, async () => {});
  const r = await cancellable(o.signal, () =>
    trainModel({
      config: planned,
      volumes: [{ depth: first.depth, height: first.height, width: first.width, a: first.data }],
      sampler: { spec, train: streamJointBatches(vols, split.train, sOpts, config.seed + 1), val, trainPlanes: split.train.length, valPlanes: split.val.length },
      engine,
      signal: o.signal,
      log,
      onEvent: relay.onEvent,
      budget,
    }),
  );
  await saveTrainResult(out, { ...r, layout: { ...r.layout, inChannels: spec.inChannels } }, first);
  emit({ type: 'stage', stage: 'verdict', message: 'checking the model on held-out planes' });
  const { jointVerdictForSavedModel } = await import('../engine/verdict.ts');
  // Time point 0 of every channel (as a per-channel model is checked on its first volume).
  const verdict = await jointVerdictForSavedModel({
    modelDir: out,
    config: r.config,
    layout: r.layout,
    spec,
    channels: stacks.map((sc, c) => ({ name: m.channelMeta[c]?.name ?? `channel ${c}`, data: sc[0].data, normalisation: fits[c][0] })),
    shape: { depth: first.depth, height: first.height, width: first.width },
    run: { stepsDone: engine.steps, stepsPlanned: r.stepsPlanned ?? relay.totalSteps, cancelled: r.cancelled },
    log,
  });
  return {
    modelDir: out, checkpoints: 0, config: r.config, layout: { ...r.layout, inChannels: spec.inChannels }, history: r.history, finalLoss: r.finalLoss,
    bestValLoss: r.bestValLoss, bestEpoch: r.bestEpoch, engine: r.engine, cancelled: r.cancelled, seconds: r.seconds,
    verdict,
  };
}

/** Read the whole hyperstack of request.input, then trainHyperstack. */
export async function trainHyperstackFromFile(request: HyperstackTrainRequestInput, o: TrainOptions = {}): Promise<HyperstackTrainOutcome> {
  const req = parseRequest(HyperstackTrainRequest, request);
  await checkHyperstackModelOut(req.out, req.overwrite);
  const { readHyperstack } = await import('../io/hyperstack.ts');
  o.onEvent?.({ type: 'stage', stage: 'read', message: `reading ${basename(req.input)}` });
  const h = await readHyperstack(req.input);
  // The request as written: what its config leaves unset is the budget's to choose.
  return trainHyperstack(request, h, o);
}
