/** Messages between the job runner (main thread) and a job's worker. */
import type { IpcError } from '../../../shared/ipc/define.ts';
import type { WorkflowEvent } from '../../../shared/workflow-events.ts';

export interface WorkerInit {
  jobId: string;
  kind: string;
  /** Module to load the kind from, when it is not in the registry (tests' own kinds). */
  moduleUrl?: string;
  input: unknown;
}

export type ToWorker = { t: 'cancel' } | { t: 'pause' } | { t: 'resume' };

export type FromWorker =
  | { t: 'progress'; fraction: number | null; message?: string; values?: Record<string, number>; event?: WorkflowEvent }
  | { t: 'log'; line: string }
  | { t: 'paused' }
  | { t: 'resumed' }
  | { t: 'result'; value: unknown }
  | { t: 'error'; error: IpcError };
