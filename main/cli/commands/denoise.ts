import { stat } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';
import { makeStack } from '../../../shared/stack.ts';
import { describeEngine, formatSeconds, num, oneOf, parseFlags, readInputStack, required, sameShape, samePath } from '../../engine/cli-support.ts';
import { minPlanes } from '../../engine/sampler.ts';

export const OPTIONS = {
  model: { type: 'string' },
  input: { type: 'string' },
  copy: { type: 'string' },
  output: { type: 'string' },
  tile: { type: 'string' },
  overlap: { type: 'string' },
  'batch-tiles': { type: 'string' },
  engine: { type: 'string' },
  provider: { type: 'string' },
  backend: { type: 'string' },
  dtype: { type: 'string' },
  overwrite: { type: 'boolean' },
  shard: { type: 'string' },
  'chunk-planes': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const HELP = `Usage: n2s denoise --model MODEL_DIR --input NOISY.tif --output OUT.tif [flags]

Denoises every plane of a stack with a model trained by n2s train. Planes are cut into overlapping
tiles whose seams are blended; the result does not depend on the tile size.

  --model DIR           model folder written by n2s train
  --input FILE          noisy stack (TIFF, NIfTI, ...); a folder or .zarr denoises in shards
  --copy FILE           second noisy copy: the output is the mean of the predictions from both
  --output FILE         output stack (.tif ImageJ, .ome.tif OME-TIFF, .nii/.nii.gz); never the input
  --tile T              tile size in pixels (default: 512 or larger, a multiple of the network's 4/32)
  --overlap O           overlap of neighbouring tiles (default: the receptive field, both sides)
  --batch-tiles N       tiles per inference call (default: about 4×256² pixels per call)
  --engine auto|onnx|tfjs   auto: ONNX Runtime GPU provider, tfjs-node-gpu, ONNX Runtime CPU,
                        then tfjs WASM / pure JS (default auto)
  --provider auto|cpu|webgpu|dml|cuda|coreml   ONNX Runtime execution provider (default auto)
  --backend auto|tensorflow-gpu|tensorflow|wasm|cpu   tfjs backend (default auto)
  --dtype float32|keep|uint16|uint8   output sample type (default float32; keep = input's dtype)
  --overwrite           replace OUT.tif if it exists (the input is never replaced)
  --shard I/N           denoise shard I of N of a folder / OME-Zarr (see n2s slurm)
  --chunk-planes N      OME-Zarr output: planes per z-chunk (default: the input's z-chunk)
  --json                one JSON object per plane, then a result object (engine, provider,
                        seconds, planes_per_second)`;

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export const command: Command = {
  name: 'denoise',
  summary: 'denoise a stack (or a folder / OME-Zarr, sharded) with a trained model',
  help: HELP,
  async run(argv) {
    const f = parseFlags(argv, OPTIONS, 'denoise');
    if (f.shard !== undefined || (f.input && (/\.zarr\/?$/i.test(f.input) || (await isDir(f.input))))) {
      let mod: { runBatchDenoise?: (argv: string[]) => Promise<number> };
      try {
        mod = (await import('../../shard/denoise-batch.ts')) as typeof mod;
      } catch {
        throw new UserError('sharded / folder / OME-Zarr denoising is not available in this build');
      }
      if (typeof mod.runBatchDenoise !== 'function') throw new UserError('sharded / folder / OME-Zarr denoising is not available in this build');
      return mod.runBatchDenoise(argv);
    }
    const modelDir = required(f.model, 'model', 'denoise');
    const input = required(f.input, 'input', 'denoise');
    const output = required(f.output, 'output', 'denoise');
    if (samePath(input, output) || (f.copy && samePath(f.copy, output))) throw new UserError(`--output ${output} is an input file; refusing to overwrite it`);
    const tile = num(f.tile, 'tile', true);
    const overlap = num(f.overlap, 'overlap', true);
    const batchTiles = num(f['batch-tiles'], 'batch-tiles', true);
    if (tile !== undefined && tile < 8) throw new UserError('--tile must be ≥ 8');
    if (overlap !== undefined && overlap < 0) throw new UserError('--overlap must be ≥ 0');
    if (batchTiles !== undefined && batchTiles < 1) throw new UserError('--batch-tiles must be ≥ 1');
    const engine = oneOf(f.engine, 'engine', ['auto', 'onnx', 'tfjs'] as const) ?? 'auto';
    const provider = oneOf(f.provider, 'provider', ['auto', 'cpu', 'webgpu', 'dml', 'cuda', 'coreml'] as const);
    const backend = oneOf(f.backend, 'backend', ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const);
    const dtype = oneOf(f.dtype, 'dtype', ['float32', 'keep', 'uint16', 'uint8'] as const) ?? 'float32';
    const log = (line: string) => process.stderr.write(`${line}\n`);

    const { readModelConfig } = await import('../../engine/model-store.ts');
    let config;
    try {
      config = await readModelConfig(modelDir);
    } catch (e) {
      throw new UserError(`--model: ${(e as Error).message}`);
    }
    const a = await readInputStack(input);
    const need = minPlanes(config.layout.mode, config.layout.k);
    if (a.depth < need) {
      throw new UserError(`${a.meta.name} has ${a.depth} plane${a.depth === 1 ? '' : 's'}; this model (${config.layout.mode}-supervised, K=${config.layout.k}) needs at least ${need}`);
    }
    const b = f.copy ? await readInputStack(f.copy) : undefined;
    if (b) sameShape(a, b, `--copy ${b.meta.name}`);

    const { loadPredictor } = await import('../../engine/predictor.ts');
    const { denoiseStack } = await import('../../engine/predict.ts');
    const { refit, subtractBackground } = await import('../../engine/normalise.ts');
    const { readBackground } = await import('../../engine/model-store.ts');
    const background = await readBackground(modelDir, config);
    if (background && background.length !== a.height * a.width) {
      throw new UserError(`the model's background pattern is ${config.background?.height}×${config.background?.width}, the input planes ${a.height}×${a.width}`);
    }
    const { writeStack } = await import('../../io/index.ts');
    const loaded = await loadPredictor(modelDir, { engine, provider, backend, log });
    log(`engine: ${describeEngine(loaded.report)}`);
    const t0 = Date.now();
    const sources = b ? [a, b] : [a];
    const total = a.depth * sources.length;
    let done = 0;
    let out: Float32Array | null = null;
    try {
      for (const s of sources) {
        let pred: Float32Array;
        try {
          pred = await denoiseStack(loaded.predictor, s.data, s, {
            spec: loaded.spec,
            layout: config.layout,
            normalisation: refit(config.normalisation, background ? subtractBackground(s.data, background) : s.data),
            background,
            tile,
            overlap,
            batchTiles,
            onEvent: (e) => {
              done++;
              const sec = (Date.now() - t0) / 1000;
              const eta = (sec / done) * (total - done);
              if (f.json) emitJson({ type: 'plane', plane: e.plane, planes: e.planes, done, total, secondsPerPlane: sec / done, eta });
              else process.stderr.write(`\rplane ${done}/${total}  ETA ${formatSeconds(eta)}   `);
            },
          });
        } catch (e) {
          if (/must be larger than the overlap/.test((e as Error).message)) throw new UserError((e as Error).message);
          throw e;
        }
        if (!out) out = pred;
        else for (let i = 0; i < out.length; i++) out[i] = 0.5 * (out[i] + pred[i]);
      }
    } finally {
      loaded.predictor.dispose();
    }
    if (!f.json) process.stderr.write('\n');
    const seconds = (Date.now() - t0) / 1000;
    const result = makeStack(a.depth, a.height, a.width, out as Float32Array, {
      ...a.meta,
      name: output.split(/[\\/]/).pop() ?? output,
      sourcePath: undefined,
      description: `${a.meta.description ? a.meta.description + '\n' : ''}denoised by Noise2Stack Studio, model ${config.training.method} ${config.layout.mode} K=${config.layout.k}`,
    });
    const report = await writeStack(output, result, { dtype, overwrite: f.overwrite ?? false, protect: [input, ...(f.copy ? [f.copy] : [])] });
    const planesPerSecond = total / Math.max(seconds, 1e-9);
    if (f.json) {
      emitJson({
        type: 'result',
        output: report.path,
        engine: loaded.report.engine,
        provider: loaded.report.provider ?? null,
        backend: loaded.report.backend,
        seconds,
        planes_per_second: planesPerSecond,
        planes: total,
        dtype: report.dtype,
      });
    } else {
      for (const n of report.notes) log(n);
      process.stdout.write(`denoised ${a.depth} planes in ${seconds.toFixed(1)} s (${planesPerSecond.toFixed(2)} planes/s) → ${report.path}\n`);
    }
    return 0;
  },
};
