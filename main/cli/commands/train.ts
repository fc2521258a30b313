/**
 * n2s train: flags → the train workflow (main/workflows/train.ts) → text or JSON lines.
 */
import type { Command } from '../command.ts';
import { emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';
import { endThreads } from '../../engine/threads.ts';
import { Arch, Augment, Backend, Engine, Method, Mode, NormaliseKind, Provider, ValSplit } from '../../../shared/config/enums.ts';
import type { TrainingConfigInput } from '../../../shared/config/training.ts';
import type { TrainFilesRequestInput } from '../../../shared/config/train-request.ts';
import type { WorkflowEvent } from '../../../shared/workflow-events.ts';
import { defined, num, oneOf, parseFlags, required, withFlagNames } from '../flags.ts';
import { describeEngine, formatTrainEvent } from '../render.ts';
import { HYPERSTACK_FLAGS, channelsFlag, neighbourAxisFlag } from '../hyperstack.ts';

const OPTIONS = {
  input: { type: 'string' },
  copy: { type: 'string' },
  clean: { type: 'string' },
  background: { type: 'string' },
  method: { type: 'string' },
  mode: { type: 'string' },
  neighbours: { type: 'string' },
  neighbors: { type: 'string' },
  arch: { type: 'string' },
  'width-scale': { type: 'string' },
  epochs: { type: 'string' },
  'steps-per-epoch': { type: 'string' },
  time: { type: 'string' },
  batch: { type: 'string' },
  patch: { type: 'string' },
  lr: { type: 'string' },
  'val-fraction': { type: 'string' },
  'val-split': { type: 'string' },
  augment: { type: 'string' },
  normalise: { type: 'string' },
  normalize: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  engine: { type: 'string' },
  provider: { type: 'string' },
  out: { type: 'string' },
  overwrite: { type: 'boolean' },
  json: { type: 'boolean' },
  channels: { type: 'string' },
  ...HYPERSTACK_FLAGS,
} as const;

const HELP = `Usage: n2s train --input NOISY.tif --out MODEL_DIR [flags]

Trains a Noise2Stack denoising model (Papkov et al. 2021) on one noisy stack and saves it to
MODEL_DIR (model.json + weights.bin in tfjs layers format, config.json with the settings).

  --input FILE            noisy stack (TIFF uint8/uint16/float32, NIfTI .nii/.nii.gz, ...)
  --copy FILE             second, independently noisy copy (needed by --mode copy and --method n2n)
  --clean FILE            clean reference (needed by --method n2c)
  --background FILE|median  camera background pattern subtracted before normalisation
                          (docs/method.md): FILE = a background/dark image or stack (per-pixel median
                          of its planes); median = per-pixel median of the input's own planes (only
                          for many planes of varying content). Stored with the model and subtracted
                          by every n2s denoise / app denoise of it.
  --method ${Method.options.join('|')}  Noise2Stack (default), Noise2Noise (copy, K=0), Noise2Clean, Noise2Void,
                          n2s-bs: Noise2Stack with a blind spot (neighbours + masked plane i, one stack)
  --mode ${Mode.options.join('|')}        N2S: self-supervised, 2K neighbours predict plane i (default), or
                          copy-supervised, plane i and 2K neighbours of copy A predict copy B
  --neighbours K          neighbours per side, K ≥ 0 (default 1; the paper: 1 microscopy, 2 MRI);
                          --neighbors is accepted as an alias
  --arch ${Arch.options.join('|')}      CSBDeep U-Net (microscopy, default) or Noise2Noise U-Net (MRI)
  --width-scale S         width multiplier of the U-Net (default 1 = the paper's sizes)
  --time T                time budget, e.g. 5m, 90s, 1h30m: the steps (and the batch and patch not
                          given) are chosen from the step time measured on this machine; stops early
                          when the validation loss stops improving. Default on a CPU when neither
                          --epochs nor --steps-per-epoch is given: 4m (the estimate is printed)
  --epochs E              epochs (default: the time budget's; 100 with --provider cuda|dml|webgpu)
  --steps-per-epoch S     steps per epoch (default: the time budget's; 100 on a GPU)
  --batch B               batch size (default 4 on a CPU budget, 16 on a GPU)
  --patch P               patch size in pixels (default 128 on a CPU budget, 256 on a GPU; multiple
                          of 4, of 32 for n2n)
  --lr LR                 Adam learning rate, cosine-decayed per epoch (default 0.001)
  --val-fraction F        fraction of planes held out for validation (default 0.1)
  --val-split ${ValSplit.options.join('|')} validation split (default plane)
  --augment ${Augment.options.join('|')}   default rot-flip (translate for NIfTI/MRI input)
  --normalise ${NormaliseKind.options.join('|')}   default percentile (3–99.8 %), mri ([-0.5,0.5]) for
                          NIfTI; --normalize is accepted as an alias
  --seed N                random seed (default 0)
  --backend ${Backend.options.join('|')}   tfjs backend (default auto: first that loads)
  --engine ${Engine.options.join('|')}       training engine (default auto: ONNX Runtime, unless tfjs-node-gpu
                          loads or --backend forces tfjs; onnx falls back to tfjs if it cannot load)
  --provider ${Provider.options.join('|')}   ONNX Runtime provider for --engine onnx
  --out DIR               model folder to write
  --channels per-channel|joint  multi-channel input: one model per channel (default; no
                          bleed-through) stored as one model folder with an entry per channel, or
                          one joint network (docs/hyperstacks.md). Time points of a time-lapse are
                          further training data for the same model.
  --neighbour-axis z|t    neighbours along z (planes, default) or t (frames of a time-lapse of a
                          static or slowly moving field); --neighbor-axis is accepted as an alias
  --overwrite             replace the model in DIR if there is one (checked before training starts)
  --json                  one JSON object per progress event, then a result object

Ctrl-C stops after the current step and saves the best model so far.`;

type Flags = ReturnType<typeof parseFlags<typeof OPTIONS>>;

/** The value of a flag that has an alias, and the name the user typed (for messages). */
function aliased(f: Flags, name: 'neighbours' | 'normalise', alias: 'neighbors' | 'normalize'): { value: string | undefined; flag: string } {
  if (f[name] !== undefined && f[alias] !== undefined) throw new UserError(`give --${name} or --${alias}, not both`);
  return f[alias] !== undefined ? { value: f[alias], flag: alias } : { value: f[name], flag: name };
}

function configFromFlags(f: Flags, nifti: boolean): TrainingConfigInput {
  const k = aliased(f, 'neighbours', 'neighbors');
  const norm = aliased(f, 'normalise', 'normalize');
  const config: TrainingConfigInput = defined({
    method: oneOf(f.method, 'method', Method.options),
    mode: oneOf(f.mode, 'mode', Mode.options),
    neighbours: num(k.value, k.flag, true),
    arch: oneOf(f.arch, 'arch', Arch.options),
    widthScale: num(f['width-scale'], 'width-scale'),
    epochs: num(f.epochs, 'epochs', true),
    stepsPerEpoch: num(f['steps-per-epoch'], 'steps-per-epoch', true),
    batch: num(f.batch, 'batch', true),
    patch: num(f.patch, 'patch', true),
    lr: num(f.lr, 'lr'),
    valFraction: num(f['val-fraction'], 'val-fraction'),
    valSplit: oneOf(f['val-split'], 'val-split', ValSplit.options),
    augment: oneOf(f.augment, 'augment', Augment.options) ?? (nifti ? 'translate' : undefined),
    normalise: oneOf(norm.value, norm.flag, NormaliseKind.options) ?? (nifti ? 'mri' : undefined),
    seed: num(f.seed, 'seed', true),
    backend: oneOf(f.backend, 'backend', Backend.options),
    engine: oneOf(f.engine, 'engine', Engine.options),
    provider: oneOf(f.provider, 'provider', Provider.options),
  });
  if (config.method === 'n2n' && config.neighbours === undefined) config.neighbours = 0;
  return config;
}


export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, OPTIONS, 'train');
  const input = required(f.input, 'input', 'train');
  const out = required(f.out, 'out', 'train');
  const json = f.json ?? false;
  const request: TrainFilesRequestInput = {
    input,
    out,
    config: configFromFlags(f, /\.nii(\.gz)?$/i.test(input)),
    ...defined({ copy: f.copy, clean: f.clean, background: f.background, overwrite: f.overwrite, time: f.time }),
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const onEvent = (e: WorkflowEvent) => {
    if (e.type === 'log') return log(e.line);
    if (e.type === 'train-start') log(`engine: ${describeEngine(e.engine)}`);
    if (json) {
      if (e.type === 'train-start' || e.type === 'step' || e.type === 'epoch') emitJson({ ...e });
      return;
    }
    const line = formatTrainEvent(e);
    if (line) process.stdout.write(`${line}\n`);
  };
  const ac = new AbortController();
  const onSigint = () => {
    log('stopping after this step (Ctrl-C again to quit at once)…');
    ac.abort();
    // Quits once the step worker has ended its running step (threads.ts: stopped inside it, the
    // process would abort instead of exiting with 130).
    process.once('SIGINT', () => void endThreads(5_000).finally(() => process.exit(130)));
  };
  process.once('SIGINT', onSigint);
  try {
    const channels = channelsFlag(f.channels);
    const neighbourAxis = neighbourAxisFlag(f);
    const { trainsWhole, trainWhole } = await import('../hyperstack.ts');
    if (await trainsWhole(input, channels !== undefined || neighbourAxis !== undefined)) {
      return await trainWhole(request, { channels, neighbourAxis, json, signal: ac.signal, onEvent });
    }
    const { trainFromFiles } = await import('../../workflows/train.ts');
    const names = { neighbours: f.neighbors !== undefined ? 'neighbors' : 'neighbours', normalise: f.normalize !== undefined ? 'normalize' : 'normalise' };
    const r = await withFlagNames(() => trainFromFiles(request, { signal: ac.signal, onEvent, wording: 'cli' }), names);
    const result = {
      type: 'result',
      model: r.modelDir,
      engine: r.engine.engine,
      backend: r.engine.backend,
      provider: r.engine.provider,
      epochs: r.history.length,
      bestEpoch: r.bestEpoch,
      bestValLoss: r.bestValLoss,
      finalLoss: r.finalLoss,
      cancelled: r.cancelled,
      seconds: r.seconds,
      verdict: r.verdict,
    };
    if (json) emitJson(result);
    else {
      process.stdout.write(`${r.cancelled ? 'stopped early; ' : ''}saved model (best epoch ${r.bestEpoch}) to ${out}\n`);
      process.stdout.write(`${r.verdict.sentence}\n`);
      for (const w of r.verdict.warnings) process.stdout.write(`  warning: ${w}\n`);
    }
    return r.cancelled ? 130 : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export const command: Command = {
  name: 'train',
  summary: 'train a denoising model on a noisy stack',
  help: HELP,
  run,
};
