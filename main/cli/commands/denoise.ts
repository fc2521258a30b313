/**
 * n2s denoise: flags → the denoise workflow (main/workflows/denoise.ts) → text or JSON lines. One
 * stack, a folder / .txt list or an OME-Zarr volume, whole or one shard of it.
 */
import type { Command } from '../command.ts';
import { emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';
import { Backend, Engine, OutputDtype, Provider } from '../../../shared/config/enums.ts';
import type { DenoiseRequestInput } from '../../../shared/config/denoise.ts';
import type { WorkflowEvent } from '../../../shared/workflow-events.ts';
import { defined, num, oneOf, parseFlags, required, withFlagNames } from '../flags.ts';
import { denoiseEventPrinter, endProgressLine } from '../render.ts';
import { HYPERSTACK_FLAGS, neighbourAxisFlag } from '../hyperstack.ts';

export const OPTIONS = {
  model: { type: 'string' },
  input: { type: 'string' },
  copy: { type: 'string' },
  output: { type: 'string' },
  tile: { type: 'string' },
  overlap: { type: 'string' },
  'batch-tiles': { type: 'string' },
  tta: { type: 'boolean' },
  'no-tta': { type: 'boolean' },
  engine: { type: 'string' },
  provider: { type: 'string' },
  backend: { type: 'string' },
  dtype: { type: 'string' },
  overwrite: { type: 'boolean' },
  shard: { type: 'string' },
  'chunk-planes': { type: 'string' },
  json: { type: 'boolean' },
  ...HYPERSTACK_FLAGS,
} as const;

const HELP = `Usage: n2s denoise --model MODEL_DIR --input NOISY.tif --output OUT.tif [flags]

Denoises every plane of a stack with a model trained by n2s train. Planes are cut into overlapping
tiles whose seams are blended; the result does not depend on the tile size. A model trained with
--background has its camera background pattern subtracted here too, on every kind of input.

  --model DIR           model folder written by n2s train
  --input FILE          noisy stack (TIFF, NIfTI, ...); a folder, a .txt list or a .zarr denoises
                        in shards (one output file per input file / one OME-Zarr volume)
  --copy FILE           second noisy copy: the output is the mean of the predictions from both
  --output FILE         output stack (.tif ImageJ, .ome.tif OME-TIFF, .nii/.nii.gz, .zarr); the format
                        follows this name, whatever the input's (a .zarr input to x.tif is a TIFF);
                        never the input
  --tile T              square tile size in pixels (default: the whole plane when the network's
                        activations fit 1 GiB, else the fewest tiles that do; a multiple of 4/32)
  --overlap O           overlap of neighbouring tiles (default: the receptive field, both sides)
  --batch-tiles N       tiles per inference call (default: as many as fit the same memory budget)
  --tta / --no-tta      test-time ensembling: average over the 8 rotations/flips of every tile
                        (≈ +0.2 dB, 8× the inference time); default: on when ×8 is estimated at
                        ≤ 60 s for the whole volume on the engine in use (ONNX Runtime: up to ≈ 8 M
                        voxels), off above; the choice is printed and in --json's result
  --engine ${Engine.options.join('|')}   auto: ONNX Runtime GPU provider, tfjs-node-gpu, ONNX Runtime CPU,
                        then tfjs WASM / pure JS (default auto)
  --provider ${Provider.options.join('|')}   ONNX Runtime execution provider (default auto)
  --backend ${Backend.options.join('|')}   tfjs backend (default auto)
  --dtype ${OutputDtype.options.join('|')}   output sample type (default float32; keep = input's dtype)
  --overwrite           replace OUT.tif if it exists (the input is never replaced); checked before
                        any work starts
  --shard I/N           denoise shard I of N of a folder / OME-Zarr (see n2s slurm; default: the
                        array task of SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX, else all)
  --chunk-planes N      OME-Zarr output: planes per z-chunk (default: the input's z-chunk); for a
                        hyperstack: planes (or, along t, frames) per shard unit
  --neighbour-axis z|t  for an ordinary model on a time-lapse: neighbours along z (default) or t
                        (a hyperstack model knows its axis)

A file with several channels or time points (or a model trained on one) is denoised whole: every
channel with its model, every time point, one output with the input's axes, order, channel names
and colours, voxel size and time step; --shard I/N splits it over time points and chunks into one
OME-Zarr (.zarr output) written in place (docs/hyperstacks.md).
  --json                a workload object first (the input's size and the estimated time, also
                        said on stderr without --json), one JSON object per plane (file, chunk), then
                        a result object (engine, provider, seconds, planes_per_second)`;

type Flags = ReturnType<typeof parseFlags<typeof OPTIONS>>;

/** --shard, else (for a folder / OME-Zarr input) the array task of the scheduler's environment. */
async function shardOf(flag: string | undefined, input: string | undefined): Promise<{ index: number; count: number } | undefined> {
  const { parseShard, shardFromEnv } = await import('../../shard/plan.ts');
  try {
    if (flag !== undefined) return parseShard(flag);
    const { inputKind } = await import('../../workflows/denoise.ts');
    return input !== undefined && (await inputKind(input)) !== 'stack' ? shardFromEnv(process.env) : undefined;
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/** The workflow's request from the flags (ranges and defaults are the schema's). */
export async function denoiseRequestFromFlags(f: Flags): Promise<DenoiseRequestInput> {
  return {
    modelDir: required(f.model, 'model', 'denoise'),
    input: required(f.input, 'input', 'denoise'),
    output: required(f.output, 'output', 'denoise'),
    ...defined({
      copy: f.copy,
      tile: num(f.tile, 'tile', true),
      overlap: num(f.overlap, 'overlap', true),
      batchTiles: num(f['batch-tiles'], 'batch-tiles', true),
      tta: f['no-tta'] ? false : f.tta,
      engine: oneOf(f.engine, 'engine', Engine.options),
      provider: oneOf(f.provider, 'provider', Provider.options),
      backend: oneOf(f.backend, 'backend', Backend.options),
      dtype: oneOf(f.dtype, 'dtype', OutputDtype.options),
      overwrite: f.overwrite,
      shard: await shardOf(f.shard, f.input),
      chunkPlanes: num(f['chunk-planes'], 'chunk-planes', true),
    }),
  };
}

/**
 * The shared printer, plus the job's size and estimated time said before the work: one line on
 * stderr in both modes, and with --json also the typed event on stdout.
 */
function printer(json: boolean, label: string): (e: WorkflowEvent) => void {
  const print = denoiseEventPrinter(json, label);
  return (e) => {
    print(e);
    if (e.type !== 'workload') return;
    if (json) emitJson({ ...e });
    process.stderr.write(`${label}${e.text}\n`);
  };
}

export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, OPTIONS, 'denoise');
  const json = f.json ?? false;
  const request = await denoiseRequestFromFlags(f);
  const label = request.shard ? `[shard ${request.shard.index}/${request.shard.count}] ` : '';
  const neighbourAxis = neighbourAxisFlag(f);
  const { denoisesWhole, denoiseWhole } = await import('../hyperstack.ts');
  if (await denoisesWhole(request.input, request.modelDir, neighbourAxis !== undefined)) {
    return withFlagNames(() => denoiseWhole(request, neighbourAxis, json, printer(json, label)), { modelDir: 'model' });
  }
  const { denoise } = await import('../../workflows/denoise.ts');
  const r = await withFlagNames(() => denoise(request, { onEvent: printer(json, label) }), { modelDir: 'model' });
  const shard = r.kind === 'stack' ? '' : `${r.shard.index}/${r.shard.count}`;
  switch (r.kind) {
    case 'stack': {
      endProgressLine(json);
      const planesPerSecond = r.planes / Math.max(r.seconds, 1e-9);
      if (json) {
        emitJson({ type: 'result', kind: 'stack', output: r.output, engine: r.engine.engine, provider: r.engine.provider ?? null, backend: r.engine.backend, seconds: r.seconds, planes_per_second: planesPerSecond, planes: r.planes, dtype: r.dtype, tta: r.tta });
      } else {
        for (const n of r.notes) process.stderr.write(`${n}\n`);
        process.stdout.write(`denoised ${r.planes} planes in ${r.seconds.toFixed(1)} s (${planesPerSecond.toFixed(2)} planes/s) → ${r.output}\n`);
      }
      return 0;
    }
    case 'folder':
      if (json) emitJson({ type: 'result', kind: 'folder', shard, files: r.files, denoised: r.denoised, skipped: r.skipped, seconds: r.seconds });
      else process.stdout.write(`shard ${shard}: ${r.denoised} denoised, ${r.skipped} already complete, ${r.files} files in ${r.seconds.toFixed(1)} s → ${r.output}\n`);
      return 0;
    case 'zarr':
      if (json) emitJson({ type: 'result', kind: 'zarr', shard, chunks: r.chunks, skipped: r.skipped, planes: r.planes, seconds: r.seconds, output: r.output });
      else process.stdout.write(`shard ${shard}: ${r.chunks} chunk range(s) denoised (${r.planes} planes), ${r.skipped} already complete, in ${r.seconds.toFixed(1)} s → ${r.output}\n`);
      return 0;
  }
}

export const command: Command = {
  name: 'denoise',
  summary: 'denoise a stack (or a folder / OME-Zarr, sharded) with a trained model',
  help: HELP,
  run,
};
