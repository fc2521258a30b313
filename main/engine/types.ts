/**
 * Engine-neutral interfaces. The trainer (train.ts) drives any TrainEngine and the tiled whole-stack
 * predictor (predict.ts) drives any Predictor, so the tfjs engine (tfjs/) and the ONNX engine
 * (onnx/) plug into the same sampling, scheduling, checkpointing, tiling and blending code.
 *
 * Layout everywhere: NHWC float32, row-major; weights by name as in shared/model/arch.ts
 * (`${conv}/kernel` [3,3,Cin,Cout] HWIO, `${conv}/bias` [Cout]).
 */
import type { ArchSpec } from '../../shared/model/arch.ts';
import type { NamedWeights } from '../../shared/model/init.ts';

export type { NamedWeights };

/** One batch of training or validation examples. */
export interface Batch {
  /** Inputs, NHWC [n,h,w,cin]. */
  x: Float32Array;
  /** Targets, NHWC [n,h,w,cout]. */
  y: Float32Array;
  /**
   * Optional loss mask [n,h,w,1] (Noise2Void: 1 on the blind-spot pixels, 0 elsewhere). With a mask
   * the loss is sum(mask·(pred−y)²)/sum(mask); without it the plain mean squared error.
   */
  mask?: Float32Array;
  n: number;
  h: number;
  w: number;
  cin: number;
  /** Target channels (default 1; a joint hyperstack model has one per acquisition channel). */
  cout?: number;
}

/** What an engine says about itself; printed once by the CLI and put in --json results. */
export interface EngineReport {
  engine: 'tfjs' | 'onnx';
  /** tfjs backend actually in use ('wasm', 'cpu', 'tensorflow', …); for onnx the execution provider. */
  backend: string;
  /** onnx only: the execution provider in use ('cpu', 'webgpu', 'dml', …). */
  provider?: string;
  threads?: number;
  /** Free text, e.g. why a requested backend/provider fell back. */
  note?: string;
}

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export interface TrainEngineOptions {
  adam: AdamOptions;
  /** tfjs: 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'. */
  backend?: string;
  /** onnx: 'auto' | 'cpu' | 'webgpu' | …. */
  provider?: string;
  /** Largest batch the engine will see (lets graph-building engines fix shapes). */
  maxBatch: number;
  /** Patch height/width of the training batches (validation batches have the same size). */
  patch: number;
  /** Receives one-line notices (backend choice, fall-backs). */
  log?: (line: string) => void;
}

/**
 * A training engine: owns the weights and the Adam state between steps. The trainer owns
 * everything else (sampling, learning-rate schedule, validation, checkpoints, cancellation).
 * Adam is PyTorch's form: m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), w −= lr·m̂/(√v̂ + ε), t counted from 1.
 * The ONNX engine plugs in by exporting `createOnnxTrainEngine(): TrainEngine | Promise<TrainEngine>`
 * (or a no-argument class `OnnxTrainEngine`) from main/engine/onnx/train/index.ts; train.ts loads
 * it with a dynamic import when config.engine is 'onnx' and falls back to tfjs if that fails.
 */
export interface TrainEngine {
  init(spec: ArchSpec, weights: NamedWeights, opts: TrainEngineOptions): Promise<void>;
  /** One Adam update with learning rate `lr` on the batch; returns the loss before the update. */
  step(batch: Batch, lr: number): Promise<number>;
  /** Loss on the batch with the current weights, no update. */
  evaluate(batch: Batch): Promise<number>;
  /** A copy of the current weights (the trainer keeps the best one as the checkpoint). */
  getWeights(): Promise<NamedWeights>;
  describe(): EngineReport;
  dispose(): void;
}

/** Inference on batches of tiles; the tiled predictor in predict.ts does the rest. */
export interface Predictor {
  /** x NHWC [n,h,w,cin] → NHWC [n,h,w,cout] (cout 1 but for joint models); h and w multiples of the architecture's divisor. */
  predictBatch(x: Float32Array, n: number, h: number, w: number, cin: number): Promise<Float32Array>;
  describe(): EngineReport;
  dispose(): void;
}

/** Training progress, emitted by train.ts (and printed one per line by `n2s train --json`). */
export type TrainEvent =
  | {
      type: 'start';
      engine: EngineReport;
      epochs: number;
      stepsPerEpoch: number;
      trainPlanes: number;
      valPlanes: number;
      inChannels: number;
      parameters: number;
    }
  | {
      type: 'step';
      epoch: number;
      step: number;
      stepsPerEpoch: number;
      loss: number;
      lr: number;
      secondsPerStep: number;
      /** Estimated seconds until the run ends. */
      eta: number;
    }
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      loss: number;
      valLoss: number | null;
      lr: number;
      secondsPerStep: number;
      eta: number;
      /** True when this epoch's weights became the best-by-validation checkpoint. */
      best: boolean;
    };

/** Whole-stack prediction progress. */
export interface PredictEvent {
  type: 'plane';
  plane: number;
  planes: number;
  secondsPerPlane: number;
  eta: number;
}

export type ProgressListener<E> = (event: E) => void;

/**
 * How intensities were mapped before the network saw them (docs/method.md §5); prediction applies the
 * same mapping to its input and the inverse to the network output.
 * - percentile: per stack, (v − p_low)/(p_high − p_low) with p_low/p_high its 3rd/99.8th percentile
 *   (recomputed on every stack that is denoised, as CSBDeep does). A camera background pattern, if
 *   the model carries one (background.bin, see model-store.ts), is subtracted before this.
 * - mri: per stack, (v − min)/(max − min) − 0.5.
 * - none: identity.
 */
export type Normalisation =
  | {
      kind: 'percentile';
      pLow: number;
      pHigh: number;
      low: number;
      high: number;
      /** True when a background pattern was subtracted first (the model folder then has background.bin). */
      background?: boolean;
    }
  | { kind: 'mri'; min: number; max: number }
  | { kind: 'none' };

/** A point of the training history (per epoch). */
export interface HistoryPoint {
  epoch: number;
  loss: number;
  valLoss: number | null;
  lr: number;
  seconds: number;
}
