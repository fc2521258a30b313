import type { Command } from '../command.ts';
import { emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';
import { Method, samplerLayout, TrainingConfig, type TrainingConfigInput } from '../../../shared/config/training.ts';
import { describeEngine, formatTrainEvent, num, oneOf, parseFlags, readInputStack, required, sameShape, samePath } from '../../engine/cli-support.ts';
import { minPlanes } from '../../engine/sampler.ts';

const OPTIONS = {
  input: { type: 'string' },
  copy: { type: 'string' },
  clean: { type: 'string' },
  background: { type: 'string' },
  method: { type: 'string' },
  mode: { type: 'string' },
  neighbors: { type: 'string' },
  arch: { type: 'string' },
  'width-scale': { type: 'string' },
  epochs: { type: 'string' },
  'steps-per-epoch': { type: 'string' },
  batch: { type: 'string' },
  patch: { type: 'string' },
  lr: { type: 'string' },
  'val-fraction': { type: 'string' },
  'val-split': { type: 'string' },
  augment: { type: 'string' },
  normalize: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  engine: { type: 'string' },
  provider: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const HELP = `Usage: n2s train --input NOISY.tif --out MODEL_DIR [flags]

Trains a Noise2Stack denoising model (Papkov et al. 2021) on one noisy stack and saves it to
MODEL_DIR (model.json + weights.bin in tfjs layers format, config.json with the settings).

  --input FILE            noisy stack (TIFF uint8/uint16/float32, NIfTI .nii/.nii.gz, ...)
  --copy FILE             second, independently noisy copy (needed by --mode copy and --method n2n)
  --clean FILE            clean reference (needed by --method n2c)
  --background FILE|median  camera background pattern subtracted before normalisation (docs/method.md
                          §5): FILE = a background/dark image or stack (per-pixel median of its
                          planes); median = per-pixel median of the input's own planes (only for
                          many planes of varying content). Stored with the model for n2s denoise.
  --method n2s|n2n|n2c|n2v|n2s-bs  Noise2Stack (default), Noise2Noise (copy, K=0), Noise2Clean, Noise2Void,
                          n2s-bs: Noise2Stack with a blind spot (neighbours + masked plane i, one stack)
  --mode self|copy        N2S: self-supervised, 2K neighbours predict plane i (default), or
                          copy-supervised, plane i and 2K neighbours of copy A predict copy B
  --neighbors K           neighbours per side, K ≥ 0 (default 1; the paper: 1 microscopy, 2 MRI)
  --arch csbdeep|n2n      CSBDeep U-Net (microscopy, default) or Noise2Noise U-Net (MRI)
  --width-scale S         width multiplier of the U-Net (default 1 = the paper's sizes)
  --epochs E              epochs (default 100)
  --steps-per-epoch S     steps per epoch (default 100)
  --batch B               batch size (default 16)
  --patch P               patch size in pixels (default 256; multiple of 4, of 32 for n2n)
  --lr LR                 Adam learning rate, cosine-decayed per epoch (default 0.001)
  --val-fraction F        fraction of planes held out for validation (default 0.1)
  --val-split plane|stack validation split (default plane)
  --augment rot-flip|translate|none   default rot-flip (translate for NIfTI/MRI input)
  --normalize percentile|mri|none     default percentile (3–99.8 %), mri ([-0.5,0.5]) for NIfTI
  --seed N                random seed (default 0)
  --backend auto|tensorflow-gpu|tensorflow|wasm|cpu   tfjs backend (default auto: first that loads)
  --engine auto|tfjs|onnx training engine (default auto: ONNX Runtime, unless tfjs-node-gpu loads
                          or --backend forces tfjs; onnx falls back to tfjs if it cannot load)
  --provider auto|cpu|webgpu|dml|cuda|coreml          ONNX Runtime provider for --engine onnx
  --out DIR               model folder to write
  --json                  one JSON object per progress event, then a result object

Ctrl-C stops after the current step and saves the best model so far.`;

function configFromFlags(f: ReturnType<typeof parseFlags<typeof OPTIONS>>, nifti: boolean): TrainingConfig {
  const input: TrainingConfigInput = {
    method: oneOf(f.method, 'method', Method.options),
    mode: oneOf(f.mode, 'mode', ['self', 'copy'] as const),
    neighbors: num(f.neighbors, 'neighbors', true),
    arch: oneOf(f.arch, 'arch', ['csbdeep', 'n2n'] as const),
    widthScale: num(f['width-scale'], 'width-scale'),
    epochs: num(f.epochs, 'epochs', true),
    stepsPerEpoch: num(f['steps-per-epoch'], 'steps-per-epoch', true),
    batch: num(f.batch, 'batch', true),
    patch: num(f.patch, 'patch', true),
    lr: num(f.lr, 'lr'),
    valFraction: num(f['val-fraction'], 'val-fraction'),
    valSplit: oneOf(f['val-split'], 'val-split', ['plane', 'stack'] as const),
    augment: oneOf(f.augment, 'augment', ['rot-flip', 'translate', 'none'] as const) ?? (nifti ? 'translate' : undefined),
    normalize: oneOf(f.normalize, 'normalize', ['percentile', 'mri', 'none'] as const) ?? (nifti ? 'mri' : undefined),
    seed: num(f.seed, 'seed', true),
    backend: oneOf(f.backend, 'backend', ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const),
    engine: oneOf(f.engine, 'engine', ['auto', 'tfjs', 'onnx'] as const),
    provider: oneOf(f.provider, 'provider', ['auto', 'cpu', 'webgpu', 'dml', 'cuda', 'coreml'] as const),
  };
  if (input.method === 'n2n' && input.neighbors === undefined) input.neighbors = 0;
  const r = TrainingConfig.safeParse(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
  if (!r.success) {
    const issue = r.error.issues[0];
    const flag = String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new UserError(`${flag ? `--${flag}: ` : ''}${issue.message}`);
  }
  return r.data;
}

export const command: Command = {
  name: 'train',
  summary: 'train a denoising model on a noisy stack',
  help: HELP,
  async run(argv) {
    const f = parseFlags(argv, OPTIONS, 'train');
    const inputPath = required(f.input, 'input', 'train');
    const out = required(f.out, 'out', 'train');
    for (const p of [f.input, f.copy, f.clean]) if (p && samePath(p, out)) throw new UserError(`--out ${out} is an input file; choose another folder`);
    const nifti = /\.nii(\.gz)?$/i.test(inputPath);
    const config = configFromFlags(f, nifti);
    const layout = samplerLayout(config);
    const log = (line: string) => process.stderr.write(`${line}\n`);

    const needsCopy = config.method === 'n2n' || (config.method === 'n2s' && config.mode === 'copy');
    if (needsCopy && !f.copy) throw new UserError(`${config.method === 'n2n' ? '--method n2n' : '--mode copy'} needs a second noisy copy (--copy FILE)`);
    if (config.method === 'n2c' && !f.clean) throw new UserError('--method n2c needs a clean stack (--clean FILE)');

    const a = await readInputStack(inputPath);
    const need = minPlanes(layout.mode, layout.k);
    if (a.depth < need) {
      throw new UserError(`${a.meta.name} has ${a.depth} plane${a.depth === 1 ? '' : 's'}; ${layout.mode}-supervised training with K=${layout.k} needs at least ${need}`);
    }
    if (config.patch > a.height || config.patch > a.width) {
      throw new UserError(`--patch ${config.patch} is larger than the image (${a.height}×${a.width}); use --patch ≤ ${Math.floor(Math.min(a.height, a.width) / 4) * 4}`);
    }
    const b = f.copy ? await readInputStack(f.copy) : undefined;
    const clean = f.clean ? await readInputStack(f.clean) : undefined;
    if (b) sameShape(a, b, `--copy ${b.meta.name}`);
    if (clean) sameShape(a, clean, `--clean ${clean.meta.name}`);
    let background: Float32Array | undefined;
    if (f.background) {
      const { estimateBackground } = await import('../../engine/normalise.ts');
      if (f.background === 'median') background = estimateBackground([a], a.height, a.width);
      else {
        const bgStack = await readInputStack(f.background);
        if (bgStack.height !== a.height || bgStack.width !== a.width) {
          throw new UserError(`--background ${bgStack.meta.name} is ${bgStack.height}×${bgStack.width}, the input planes ${a.height}×${a.width}`);
        }
        background = estimateBackground([bgStack], a.height, a.width);
      }
    }

    const { trainModel } = await import('../../engine/train.ts');
    const { saveTrainResult } = await import('../../engine/model-store.ts');
    const ac = new AbortController();
    const onSigint = () => {
      log('stopping after this step (Ctrl-C again to quit at once)…');
      ac.abort();
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onSigint);
    let announced = false;
    try {
      const r = await trainModel({
        config,
        volumes: [{ depth: a.depth, height: a.height, width: a.width, a: a.data, b: needsCopy ? b?.data : undefined, clean: clean?.data }],
        signal: ac.signal,
        background,
        log,
        onEvent: (e) => {
          if (e.type === 'start' && !announced) {
            announced = true;
            log(`engine: ${describeEngine(e.engine)}`);
          }
          if (f.json) emitJson(e as unknown as Record<string, unknown>);
          else {
            const line = formatTrainEvent(e);
            if (line) process.stdout.write(`${line}\n`);
          }
        },
      });
      await saveTrainResult(out, r, a);
      const result = {
        type: 'result',
        model: out,
        engine: r.engine.engine,
        backend: r.engine.backend,
        provider: r.engine.provider,
        epochs: r.history.length,
        bestEpoch: r.bestEpoch,
        bestValLoss: r.bestValLoss,
        finalLoss: r.finalLoss,
        cancelled: r.cancelled,
        seconds: r.seconds,
      };
      if (f.json) emitJson(result);
      else process.stdout.write(`${r.cancelled ? 'stopped early; ' : ''}saved model (best epoch ${r.bestEpoch}) to ${out}\n`);
      return r.cancelled ? 130 : 0;
    } catch (e) {
      const msg = (e as Error).message;
      // Sampler and engine refusals about the data are user errors, not crashes.
      if (/larger than the image|needs at least|needs a second|needs a clean|is not available|diverged|cancelled/.test(msg)) throw new UserError(msg);
      throw e;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  },
};
