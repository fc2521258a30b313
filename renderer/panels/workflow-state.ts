/**
 * State the workflow panels share: the neighbour layout chosen in the Neighbours panel (used by
 * Train), the models trained or loaded this session, the latest evaluation and segmentation
 * results (used by Export's report). A tiny external store read with useSyncExternalStore.
 */
import { useSyncExternalStore } from 'react';
import { z } from 'zod';
import { Backend, Engine, Method } from '../../shared/config/enums.ts';
import { DEFAULT_TRAIN_SECONDS } from '../../shared/config/train-budget.ts';
import type { TrainingConfigInput } from '../../shared/config/training.ts';
import type { TrainedModelSummary } from '../../shared/ipc/job-kinds/train.ts';
import type { StackScores } from '../../shared/ipc/job-kinds/evaluate.ts';
import type { EngineStatusInfo } from '../../shared/ipc/job-kinds/engines.ts';
import type { Workspace } from '../shell/workspace.ts';

export interface ModelEntry {
  modelDir: string;
  name: string;
  /** Present for models trained in this session. */
  summary?: TrainedModelSummary;
  loaded?: boolean;
  /** When it was trained in this session (ms since the epoch); absent for loaded folders. */
  trainedAt?: number;
  /** The stack it was trained on. */
  sourceStackId?: string;
}

export interface SegmentationEntry {
  sourceStackId: string;
  sourceName: string;
  labelsStackId: string;
  count: number;
  perPlane: { z: number; count: number; meanSize: number }[];
  agreement?: { dice: number; f1: number; perPlane: { z: number; dice: number; f1: number }[] };
}

/**
 * The panels' settings, kept in the workspace state (not in the panels' own React state): they
 * survive switching tabs and reloading the page (localStorage), and change back to the defaults
 * only when the user asks (Reset).
 */
export const TrainSettings = z.object({
  method: Method,
  arch: z.enum(['csbdeep', 'n2n']),
  widthScale: z.number().positive(),
  epochs: z.number().int().positive(),
  stepsPerEpoch: z.number().int().positive(),
  batch: z.number().int().positive(),
  patch: z.number().int().positive(),
  lr: z.number().positive(),
  valFraction: z.number().min(0).max(0.9),
  seed: z.number().int().min(0),
  previewEvery: z.number().int().min(0),
  engine: Engine,
  backend: Backend,
  /**
   * How the run is sized: by a time budget (the trainer plans epochs and steps from the step time
   * it measures, as `n2s train --time` does) or by the epochs and steps set here. Defaults fill
   * them in for settings saved before they existed.
   */
  sizing: z.enum(['time', 'steps']).default('time'),
  minutes: z.number().positive().max(7 * 24 * 60).default(DEFAULT_TRAIN_SECONDS / 60),
});
export type TrainSettings = z.infer<typeof TrainSettings>;

/**
 * Defaults that finish in minutes on a laptop CPU: half-width U-Net, batch 8 at 64², sized by the
 * CLI's default time budget (shared/config/train-budget.ts); by steps, 10 × 50 (the paper's
 * 100 × 100 steps of 16 at 256² at full width take hours there); a preview every 50 steps.
 */
export const DEFAULT_TRAIN: TrainSettings = {
  method: 'n2s',
  arch: 'csbdeep',
  widthScale: 0.5,
  epochs: 10,
  stepsPerEpoch: 50,
  batch: 8,
  patch: 64,
  lr: 1e-3,
  valFraction: 0.1,
  seed: 0,
  previewEvery: 50,
  engine: 'auto',
  backend: 'auto',
  sizing: 'time',
  minutes: DEFAULT_TRAIN_SECONDS / 60,
};

/**
 * The TrainingConfig the Train tab's settings give for a method, layout and K — the Train tab's
 * single-stack run and the Hyperstack tab's per-channel runs alike. MRI volumes (NIfTI) train with
 * translations and the MRI normalisation, microscopy with rotations/flips and percentiles.
 */
export function trainingConfigOf(t: TrainSettings, layout: { method: TrainSettings['method']; mode: 'self' | 'copy'; neighbours: number }, mri: boolean): TrainingConfigInput {
  return {
    ...layout,
    arch: t.arch,
    widthScale: t.widthScale,
    epochs: t.epochs,
    stepsPerEpoch: t.stepsPerEpoch,
    batch: t.batch,
    patch: t.patch,
    lr: t.lr,
    valFraction: t.valFraction,
    seed: t.seed,
    engine: t.engine,
    backend: t.backend,
    augment: mri ? 'translate' : 'rot-flip',
    normalise: mri ? 'mri' : 'percentile',
  };
}

export const ExportSettings = z.object({
  format: z.enum(['imagej', 'ome']),
  /** 'source': the data type of the acquisition the stack came from. */
  dtype: z.enum(['source', 'float32', 'uint16', 'uint8']),
  report: z.boolean(),
});
export type ExportSettings = z.infer<typeof ExportSettings>;
export const DEFAULT_EXPORT: ExportSettings = { format: 'imagej', dtype: 'float32', report: true };

export const SegmentSettings = z.object({
  threshold: z.enum(['otsu', 'li', 'triangle']),
  sigma: z.number().min(0),
  minSize: z.number().min(0),
  h: z.number().positive(),
  split: z.boolean(),
  fill: z.boolean(),
  threeD: z.boolean(),
});
export type SegmentSettings = z.infer<typeof SegmentSettings>;
export const DEFAULT_SEGMENT: SegmentSettings = { threshold: 'otsu', sigma: 1, minSize: 30, h: 1, split: true, fill: true, threeD: true };

/** Seconds per training step measured on this machine, with the work per step it was measured at. */
export const StepTiming = z.object({ secondsPerStep: z.number().positive(), work: z.number().positive(), backend: z.string() });
export type StepTiming = z.infer<typeof StepTiming>;

const Persisted = z.object({
  version: z.literal(1),
  mode: z.enum(['self', 'copy']),
  k: z.number().int().min(0).max(16),
  train: TrainSettings,
  export: ExportSettings,
  segment: SegmentSettings,
  stepTiming: StepTiming.nullable(),
});
type Persisted = z.infer<typeof Persisted>;
const STORAGE_KEY = 'n2s.workflow';

export interface WorkflowState {
  train: TrainSettings;
  export: ExportSettings;
  segment: SegmentSettings;
  stepTiming: StepTiming | null;
  mode: 'self' | 'copy';
  k: number;
  /** Target plane shown in the neighbour diagram. */
  plane: number | null;
  models: ModelEntry[];
  evaluation: { referenceName: string; normalization: string; scores: StackScores[] } | null;
  segmentations: SegmentationEntry[];
  /** Timings of finished jobs for the report, seconds by what. */
  timings: Record<string, number>;
  /** Backend of the last training ("tfjs/wasm", …). */
  backend: string | null;
  /** Engines and backends that load here (probed once per window), null until known. */
  engines: EngineStatusInfo[] | null;
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** Saved settings cross a trust boundary (another version may have written them): parsed, or ignored. */
function loadSettings(): Partial<Persisted> {
  try {
    const raw = storage()?.getItem(STORAGE_KEY);
    if (!raw) return {};
    const parsed = Persisted.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export class WorkflowStore {
  private state: WorkflowState;
  private listeners = new Set<() => void>();

  constructor() {
    const saved = loadSettings();
    this.state = {
      mode: saved.mode ?? 'self',
      k: saved.k ?? 1,
      plane: null,
      models: [],
      evaluation: null,
      segmentations: [],
      timings: {},
      backend: null,
      engines: null,
      train: saved.train ?? DEFAULT_TRAIN,
      export: saved.export ?? DEFAULT_EXPORT,
      segment: saved.segment ?? DEFAULT_SEGMENT,
      stepTiming: saved.stepTiming ?? null,
    };
  }

  private save(): void {
    const s = this.state;
    const p: Persisted = { version: 1, mode: s.mode, k: s.k, train: s.train, export: s.export, segment: s.segment, stepTiming: s.stepTiming };
    try {
      storage()?.setItem(STORAGE_KEY, JSON.stringify(p));
    } catch {
      // A full or disabled storage only loses persistence across reloads.
    }
  }

  get snapshot(): WorkflowState {
    return this.state;
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  set(patch: Partial<WorkflowState>): void {
    this.state = { ...this.state, ...patch };
    if ('mode' in patch || 'k' in patch || 'train' in patch || 'export' in patch || 'segment' in patch || 'stepTiming' in patch) this.save();
    for (const l of this.listeners) l();
  }

  /** Forget models, results and scores of stacks that were closed (no lingering entries). */
  forgetStacks(open: Set<string>): void {
    const s = this.state;
    const segmentations = s.segmentations.filter((x) => open.has(x.sourceStackId) && open.has(x.labelsStackId));
    const evaluation = s.evaluation && s.evaluation.scores.every((sc) => open.has(sc.stackId)) ? s.evaluation : null;
    if (segmentations.length !== s.segmentations.length || evaluation !== s.evaluation) this.set({ segmentations, evaluation });
  }

  addModel(m: ModelEntry): void {
    this.set({ models: [...this.state.models.filter((x) => x.modelDir !== m.modelDir), m] });
  }
}

const stores = new WeakMap<Workspace, WorkflowStore>();

/** One store per shell workspace (one per window), shared by all panels. */
export function workflowOf(ws: Workspace): WorkflowStore {
  let s = stores.get(ws);
  if (!s) {
    const store = new WorkflowStore();
    stores.set(ws, store);
    ws.subscribe(() => store.forgetStacks(new Set(ws.snapshot.stacks.map((x) => x.stackId))));
    s = store;
  }
  return s;
}

export function useWorkflow<T>(store: WorkflowStore, select: (s: WorkflowState) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.snapshot));
}
