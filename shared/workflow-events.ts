/**
 * Progress of a use case (main/workflows/), typed. The CLI renders these as text or JSON lines, the
 * app's job kinds forward them to the renderer (job update `values.event`), so a panel reads fields
 * instead of parsing messages. One union for every workflow; each workflow documents which members
 * it emits (docs/architecture.md).
 */
export interface EngineInfo {
  engine: 'tfjs' | 'onnx';
  /** tfjs backend in use, or the ONNX execution provider. */
  backend: string;
  provider?: string;
  note?: string;
}

export type WorkflowEvent =
  /** A named phase started (loading the model, fitting the normalisation, writing …). */
  | { type: 'stage'; stage: string; message: string }
  /** The engine chosen for inference or training (once per run). */
  | { type: 'engine'; engine: EngineInfo }
  /** Training is about to take its first step. */
  | {
      type: 'train-start';
      engine: EngineInfo;
      epochs: number;
      stepsPerEpoch: number;
      totalSteps: number;
      trainPlanes: number;
      valPlanes: number;
      inChannels: number;
      parameters: number;
    }
  /** One optimisation step. `step` counts from 1 over the whole run; `stepInEpoch` within the epoch. */
  | {
      type: 'step';
      step: number;
      totalSteps: number;
      epoch: number;
      epochs: number;
      stepInEpoch: number;
      stepsPerEpoch: number;
      loss: number;
      lr: number;
      secondsPerStep: number;
      /** Estimated seconds until the run ends. */
      eta: number;
    }
  /** An epoch ended: training loss, validation loss (null without a validation set), learning rate. */
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      step: number;
      totalSteps: number;
      loss: number;
      valLoss: number | null;
      lr: number;
      secondsPerStep: number;
      eta: number;
      /** This epoch's weights became the best-by-validation model. */
      best: boolean;
    }
  /** A checkpoint model (for the live preview) was written after `step` steps; `count` so far. */
  | { type: 'checkpoint'; step: number; totalSteps: number; count: number; dir: string }
  /**
   * Said before a denoise starts: the input's size (planes × height × width, bytes; `text` is the
   * one-line form) and the time the `total` planes to denoise are estimated to take (`eta`,
   * seconds; `basis` says where the per-plane time comes from). Plane/chunk events update the ETA.
   */
  | { type: 'workload'; planes: number; height: number; width: number; dtype: string; bytes: number; large: boolean; total: number; secondsPerPlane: number; eta: number; basis: string; text: string }
  /** Planes denoised: `done` of `total` over the whole run (both copies count). */
  | { type: 'plane'; plane: number; done: number; total: number; secondsPerPlane: number; eta: number }
  /** OME-Zarr: a z-chunk range written (planes z0…z1−1); `done`/`total` count planes of this shard. */
  | { type: 'chunk'; z0: number; z1: number; done: number; total: number; eta: number }
  /** Folder / list: one file of this shard handled (skipped: its output was already complete). */
  | { type: 'file'; input: string; output: string; index: number; count: number; skipped: boolean }
  /** Generic unit progress (segmentation planes, stacks scored, planes written). */
  | { type: 'progress'; stage: string; done: number; total: number }
  /** A one-line notice (engine fall-back, written-file notes). */
  | { type: 'log'; line: string };

export type WorkflowEventType = WorkflowEvent['type'];
export type WorkflowEventOf<T extends WorkflowEventType> = Extract<WorkflowEvent, { type: T }>;

/** Fraction of the work done that an event implies, or null when it says nothing about it. */
export function eventFraction(e: WorkflowEvent): number | null {
  switch (e.type) {
    case 'step':
    case 'epoch':
    case 'checkpoint':
      return e.totalSteps > 0 ? Math.min(1, e.step / e.totalSteps) : null;
    case 'plane':
    case 'chunk':
    case 'progress':
      return e.total > 0 ? Math.min(1, e.done / e.total) : null;
    case 'file':
      return e.count > 0 ? Math.min(1, (e.index + 1) / e.count) : null;
    default:
      return null;
  }
}
