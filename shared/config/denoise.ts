import { z } from 'zod';
import { Backend, Engine, OutputDtype, Provider } from './enums.ts';

/**
 * What every denoising door (CLI, app job, shard runner, demo, preview) asks of the one denoise
 * workflow (main/workflows/denoise.ts). The CLI's flag parser and the IPC job-kind schemas reuse
 * these objects, so a limit or a default is written once.
 */

/**
 * Test-time ensembling's automatic rule (docs/tta.md): on when 8× the estimated plain inference
 * time of the whole volume stays within TTA_AUTO_SECONDS. Throughputs measured on the README's
 * 2-core CPU with the full-width CSBDeep U-Net (one 512² plane: ONNX Runtime 0.229 s, tfjs-wasm
 * 1.54 s); tfjs-node is assumed as fast as ONNX Runtime, pure-JS tfjs 100× slower.
 */
export const TTA_AUTO_SECONDS = 60;
export function inferenceVoxelsPerSecond(engine: string, backend: string): number {
  if (engine === 'onnx' || backend === 'tensorflow' || backend === 'tensorflow-gpu') return 1.1e6;
  return backend === 'wasm' ? 1.7e5 : 1.1e4;
}
/** The automatic rule's largest volume with ONNX Runtime, the default engine (≈ 8 M voxels). */
export const TTA_AUTO_MAX_VOXELS = Math.floor((TTA_AUTO_SECONDS * inferenceVoxelsPerSecond('onnx', 'cpu')) / 8);

/** How to run a model: engine choice, tiling and test-time ensembling. */
export const InferenceSettings = z.object({
  engine: Engine.default('auto'),
  provider: Provider.optional(),
  backend: Backend.optional(),
  /** Square tile size in pixels (default: main/engine/predict.ts' planTiles — the whole plane when it fits the memory budget). */
  tile: z.number().int().min(8, 'tile must be ≥ 8').optional(),
  /** Overlap of neighbouring tiles (default: the receptive field on both sides). */
  overlap: z.number().int().min(0, 'overlap must be ≥ 0').optional(),
  /** Tiles per inference call. */
  batchTiles: z.number().int().min(1, 'batch-tiles must be ≥ 1').optional(),
  /**
   * Test-time ensembling (main/engine/tta.ts): average over the 8 rotations/flips of every tile.
   * Absent = automatic: on when the 8× inference of the whole volume is estimated to take at most
   * TTA_AUTO_SECONDS on the engine in use, off otherwise. The result says whether it was used.
   */
  tta: z.boolean().optional(),
});
export type InferenceSettings = z.infer<typeof InferenceSettings>;
export type InferenceSettingsInput = z.input<typeof InferenceSettings>;

/** Denoise stacks already in memory (the app's open stacks, the demo): model + how to run it. */
export const DenoiseStackRequest = InferenceSettings.extend({
  modelDir: z.string().min(1, 'a model folder is required'),
});
export type DenoiseStackRequest = z.infer<typeof DenoiseStackRequest>;
export type DenoiseStackRequestInput = z.input<typeof DenoiseStackRequest>;

/** One plane of an open stack, for the live preview during training or a quick look at a model. */
export const PreviewRequest = DenoiseStackRequest.extend({
  plane: z.number().int().min(0),
});
export type PreviewRequest = z.infer<typeof PreviewRequest>;

/** Shard I of N (0 ≤ I < N) of a folder, a .txt list or an OME-Zarr volume. */
export const ShardSpec = z
  .object({ index: z.number().int().min(0), count: z.number().int().min(1) })
  .refine((s) => s.index < s.count, { message: 'shard index must be below the shard count' });
export type ShardSpec = z.infer<typeof ShardSpec>;

/**
 * Denoise files: one stack file, a folder or .txt list of stack files, or an OME-Zarr volume
 * (the kind is read from the input path). The output's parent must exist or be creatable; it is
 * never an input and is replaced only with `overwrite`.
 */
export const DenoiseRequest = DenoiseStackRequest.extend({
  input: z.string().min(1, 'an input is required'),
  /** Second noisy copy (one stack only): the output is the mean of both predictions. */
  copy: z.string().min(1).optional(),
  output: z.string().min(1, 'an output is required'),
  dtype: OutputDtype.default('float32'),
  overwrite: z.boolean().default(false),
  /** Folder / OME-Zarr only: which shard this process does (default: all, or SLURM_ARRAY_TASK_*). */
  shard: ShardSpec.optional(),
  /** OME-Zarr output only: planes per z-chunk (default: the input's z-chunk). */
  chunkPlanes: z.number().int().min(1, 'chunk-planes must be ≥ 1').optional(),
});
export type DenoiseRequest = z.infer<typeof DenoiseRequest>;
export type DenoiseRequestInput = z.input<typeof DenoiseRequest>;
