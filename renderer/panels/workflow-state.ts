/**
 * State the workflow panels share: the neighbour layout chosen in the Neighbours panel (used by
 * Train), the models trained or loaded this session, the latest evaluation and segmentation
 * results (used by Export's report). A tiny external store read with useSyncExternalStore.
 */
import { useSyncExternalStore } from 'react';
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
}

export interface SegmentationEntry {
  sourceStackId: string;
  sourceName: string;
  labelsStackId: string;
  count: number;
  perPlane: { z: number; count: number; meanSize: number }[];
  agreement?: { dice: number; f1: number; perPlane: { z: number; dice: number; f1: number }[] };
}

export interface WorkflowState {
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

export class WorkflowStore {
  private state: WorkflowState = { mode: 'self', k: 1, plane: null, models: [], evaluation: null, segmentations: [], timings: {}, backend: null, engines: null };
  private listeners = new Set<() => void>();

  get snapshot(): WorkflowState {
    return this.state;
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  set(patch: Partial<WorkflowState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  addModel(m: ModelEntry): void {
    this.set({ models: [...this.state.models.filter((x) => x.modelDir !== m.modelDir), m] });
  }
}

const stores = new WeakMap<Workspace, WorkflowStore>();

/** One store per shell workspace (one per window), shared by all panels. */
export function workflowOf(ws: Workspace): WorkflowStore {
  let s = stores.get(ws);
  if (!s) stores.set(ws, (s = new WorkflowStore()));
  return s;
}

export function useWorkflow<T>(store: WorkflowStore, select: (s: WorkflowState) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.snapshot));
}
