/**
 * A training budget that fits the machine: from a time budget (`--time 5m`) and the step time
 * measured on this machine at the start of the run, the number of epochs and steps per epoch, and
 * on a CPU a smaller batch and patch than the paper's (sized for a V100: 10 000 steps of batch 16 at
 * 256², hours on a 2-core CPU). Everything the user set explicitly is kept; only the rest is planned.
 *
 * The trainer (train.ts) applies a BudgetOptions: it picks batch/patch with chooseShape(), starts the
 * engine, times a warm-up step and a few real steps plus one validation pass, then calls planBudget()
 * and logs the estimate before the planned run continues. The measured steps count as training.
 * Early stopping (patience in epochs without a better validation loss) ends a run that has converged.
 */
import { GPU_PROVIDERS } from '../../shared/config/enums.ts';
import type { TrainingConfig, TrainingConfigInput } from '../../shared/config/training.ts';

/** The sizes a budget may choose; the ones in `fixed` were set by the user and are kept. */
export interface BudgetSizes {
  epochs: number;
  stepsPerEpoch: number;
  batch: number;
  patch: number;
}

export interface BudgetOptions {
  /**
   * Wall-clock seconds for the training loop (measurement, steps, validation, checkpoints of the
   * best epoch); reading the data and saving the model come on top.
   */
  seconds: number;
  /** Sizes set by the user. */
  fixed?: Partial<BudgetSizes>;
  /** Epochs without a better validation loss after which training stops; 0 = never. Default: see defaultPatience. */
  patience?: number;
}

/** Default budget of a CPU run: `n2s train` with no step flags finishes within about 5 minutes. */
export const DEFAULT_CPU_SECONDS = 240;
/** Epochs a budgeted run is cut into (validation, the cosine learning-rate schedule and early stopping are per epoch). */
export const TARGET_EPOCHS = 12;
/** Fewest steps per epoch worth a validation pass (also the floor when a run re-plans itself). */
export const MIN_STEPS_PER_EPOCH = 10;
/**
 * Steps per epoch the plan wants at least: 3× the floor, so a run on a machine that slows down by
 * up to 3× after the measurement (other jobs starting) can still keep to its estimate by re-planning.
 */
export const PLAN_STEPS_PER_EPOCH = 3 * MIN_STEPS_PER_EPOCH;
/** Steps timed at the start (after one untimed warm-up step); they are real training steps. */
export const MEASURED_STEPS = 3;

/** CPU batch and patch: small steps, so hundreds of them fit in minutes (see chooseShape). */
const CPU_SHAPE = { batch: 4, patch: 128 };
/** The paper's sizes, for GPU runs (also the TrainingConfig defaults). */
const GPU_SHAPE = { batch: 16, patch: 256 };

/** '5m', '90s', '1h30m', '2.5m', '300' (seconds) → seconds; throws one line on anything else. */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text <= 0) throw new Error(`time budget must be a positive number of seconds, not ${text}`);
    return text;
  }
  const s = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return parseDuration(Number(s));
  const re = /(\d+(?:\.\d+)?)\s*(h|m|min|s|sec)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2].startsWith('m') ? 60 : 1);
    end = re.lastIndex;
  }
  if (end !== s.length || end === 0 || total <= 0) throw new Error(`cannot read the time budget "${text}" (write e.g. 5m, 90s, 1h30m)`);
  return total;
}

/** Whether the config trains on an accelerator (the paper's budget is then affordable). */
export function onAccelerator(c: Pick<TrainingConfig, 'provider' | 'backend'>): boolean {
  return (GPU_PROVIDERS as readonly string[]).includes(c.provider) || c.backend === 'tensorflow-gpu';
}

/**
 * The budget a request implies, from the config as the user wrote it (before defaults):
 * an explicit time always makes one; with no time, a CPU run whose epochs/steps are not both set
 * gets the default CPU budget; a GPU run without a time keeps the paper's budget (null).
 */
export function budgetFor(raw: TrainingConfigInput, config: Pick<TrainingConfig, 'provider' | 'backend'>, time?: string | number | null): BudgetOptions | null {
  const fixed: Partial<BudgetSizes> = {};
  for (const k of ['epochs', 'stepsPerEpoch', 'batch', 'patch'] as const) {
    const v = raw[k];
    if (typeof v === 'number') fixed[k] = v;
  }
  if (time !== undefined && time !== null && time !== '') return { seconds: parseDuration(time), fixed };
  if (fixed.epochs !== undefined && fixed.stepsPerEpoch !== undefined) return null;
  if (onAccelerator(config)) return null;
  return { seconds: DEFAULT_CPU_SECONDS, fixed };
}

/** Largest multiple of d that is ≤ v (at least d). */
const floorTo = (v: number, d: number) => Math.max(d, Math.floor(v / d) * d);

/**
 * Batch and patch of a budgeted run: fixed values are kept; otherwise on a CPU batch 4 of 128²
 * (measured here: a CSBDeep step of batch 4 at 128² costs ~1/8 of the paper's batch 16 at 256²,
 * and the denoising quality of a few hundred such steps is within a fraction of a dB of many more),
 * on an accelerator the paper's 16 × 256². The patch never exceeds the planes.
 */
export function chooseShape(o: { accelerator: boolean; height: number; width: number; divisor: number; fixed?: Partial<BudgetSizes> }): { batch: number; patch: number } {
  const base = o.accelerator ? GPU_SHAPE : CPU_SHAPE;
  const batch = o.fixed?.batch ?? base.batch;
  const patch = o.fixed?.patch ?? Math.min(base.patch, floorTo(Math.min(o.height, o.width), o.divisor));
  return { batch, patch };
}

/**
 * The patch a run will train with, known before it starts, so the input checks test that one and not
 * the paper's default: the user's patch as set; under a budget, chooseShape's choice; with neither,
 * the config's default capped by the planes (as chooseShape caps it).
 */
export function plannedPatch(o: { budget: BudgetOptions | null; explicit: boolean; patch: number; accelerator: boolean; height: number; width: number; divisor: number }): number {
  if (o.explicit) return o.patch;
  if (o.budget) return chooseShape({ accelerator: o.accelerator, height: o.height, width: o.width, divisor: o.divisor, fixed: o.budget.fixed }).patch;
  return Math.min(o.patch, floorTo(Math.min(o.height, o.width), o.divisor));
}

export interface BudgetPlan extends BudgetSizes {
  secondsPerStep: number;
  secondsPerValidation: number;
  /** Seconds from the measurement's end to the end of training, as planned. */
  estimateSeconds: number;
  /** Steps already run while measuring (part of epoch 1). */
  measuredSteps: number;
  patience: number;
}

/** Early-stopping patience of a budgeted run: a third of the epochs, at least 3. */
export function defaultPatience(epochs: number): number {
  return Math.max(3, Math.ceil(epochs / 3));
}

/**
 * Epochs and steps per epoch that fill the remaining time (a pure function of the measurement):
 *   total = epochs·(stepsPerEpoch·secondsPerStep + secondsPerValidation) ≤ seconds − elapsed
 * (`measuredSteps` of epoch 1 are already done and not paid again). TARGET_EPOCHS epochs when each
 * gets ≥ PLAN_STEPS_PER_EPOCH steps, fewer epochs on a slow machine, never less than one epoch of
 * MIN_STEPS_PER_EPOCH steps (the estimate then says how long that takes).
 */
export function planBudget(o: {
  seconds: number;
  /** Seconds already spent (engine start, warm-up and measured steps). */
  elapsed: number;
  secondsPerStep: number;
  /** One validation pass (all validation batches); 0 without a validation set. */
  secondsPerValidation: number;
  measuredSteps: number;
  batch: number;
  patch: number;
  fixed?: Partial<BudgetSizes>;
  patience?: number;
}): BudgetPlan {
  const t = Math.max(1e-6, o.secondsPerStep);
  const v = Math.max(0, o.secondsPerValidation);
  const left = Math.max(0, o.seconds - o.elapsed);
  const f = o.fixed ?? {};
  let epochs: number;
  let spe: number;
  if (f.epochs !== undefined && f.stepsPerEpoch !== undefined) {
    epochs = f.epochs;
    spe = f.stepsPerEpoch;
  } else if (f.stepsPerEpoch !== undefined) {
    spe = f.stepsPerEpoch;
    epochs = Math.max(1, Math.floor((left + o.measuredSteps * t) / (spe * t + v)));
  } else {
    epochs = f.epochs ?? Math.max(1, Math.min(TARGET_EPOCHS, Math.floor(left / (PLAN_STEPS_PER_EPOCH * t + v))));
    // Steps for the time left after the validations; the measured steps are already in epoch 1.
    const steps = Math.floor((left - epochs * v) / t) + o.measuredSteps;
    spe = Math.max(MIN_STEPS_PER_EPOCH, Math.floor(steps / epochs));
  }
  spe = Math.max(spe, o.measuredSteps);
  const estimateSeconds = (epochs * spe - o.measuredSteps) * t + epochs * v;
  return {
    epochs,
    stepsPerEpoch: spe,
    batch: o.batch,
    patch: o.patch,
    secondsPerStep: t,
    secondsPerValidation: v,
    estimateSeconds,
    measuredSteps: o.measuredSteps,
    patience: o.patience ?? defaultPatience(epochs),
  };
}

/** "3m 58s" / "42s". */
export function formatSeconds(s: number): string {
  const r = Math.round(s);
  return r >= 60 ? `${Math.floor(r / 60)}m ${String(r % 60).padStart(2, '0')}s` : `${r}s`;
}

/** The line printed before the planned run continues. */
export function describePlan(p: BudgetPlan, seconds: number): string {
  return (
    `budget ${formatSeconds(seconds)}: ${p.epochs} epoch${p.epochs === 1 ? '' : 's'} × ${p.stepsPerEpoch} steps of batch ${p.batch} at ${p.patch}² ` +
    `(${p.secondsPerStep.toFixed(3)} s/step measured on this machine), estimated ${formatSeconds(p.estimateSeconds)} more; ` +
    `stops early after ${p.patience} epochs without a better validation loss`
  );
}
