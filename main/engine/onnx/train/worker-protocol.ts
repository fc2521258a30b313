/**
 * Messages between OnnxWorkerTrainEngine (main thread) and step-worker.ts. Both ends are this
 * code base, so plain types (structured clone carries Map, Float32Array and plain objects).
 */
import type { ArchSpec } from '../../../../shared/model/arch.ts';
import type { Batch, EngineReport, NamedWeights, TrainEngineOptions } from '../../types.ts';
import type { FilterGradLayout } from './grad-rules.ts';

export interface WorkerInit {
  filterGrad?: FilterGradLayout;
  threads?: number;
}

export type WorkerRequest =
  | { id: number; method: 'init'; spec: ArchSpec; weights: NamedWeights; opts: Omit<TrainEngineOptions, 'log'> }
  | { id: number; method: 'step'; batch: Batch; lr: number }
  | { id: number; method: 'evaluate'; batch: Batch }
  | { id: number; method: 'weights' }
  | { id: number; method: 'dispose' };

export type WorkerReply =
  | { id: number; ok: true; value?: number; weights?: NamedWeights; report?: EngineReport }
  | { id: number; ok: false; error: string };

/** A log line the worker forwards to the engine's TrainEngineOptions.log. */
export interface WorkerLog {
  log: string;
}
