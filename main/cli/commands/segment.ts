import { parseArgs } from 'node:util';
import { emitJson, type Command } from '../command.ts';
import { UserError } from '../../errors.ts';
import { SegmentationOptions, type SegmentationOptionsInput } from '../../../shared/segmentation/index.ts';
import { Backend } from '../../../shared/config/enums.ts';
import type { SegmentFileRequestInput } from '../../../shared/config/analysis.ts';
import type { WorkflowEvent } from '../../../shared/workflow-events.ts';
import { defined, oneOf, withFlagNames } from '../flags.ts';

const HELP = `Usage: n2s segment --input IN --output LABELS.tif [flags]

Segments nuclei in a fluorescence stack (training-free): Gaussian smoothing, automatic threshold,
hole filling, small-object removal, and splitting of touching nuclei by distance transform +
h-maxima seeds + seeded watershed. Writes the labels as a uint16 TIFF with the input's metadata.

  --input PATH           stack to segment (TIFF, OME-TIFF, NIfTI, OME-Zarr, folder)
  --output PATH          labels file (.tif ImageJ, .ome.tif OME-TIFF); never the input
  --threshold M          otsu (default) | li | triangle | a number (intensity after smoothing)
  --sigma S              Gaussian σ in pixels (default 1; 0 = no smoothing)
  --min-size N           remove objects smaller than N pixels (voxels in 3-D); default 30
  --h H                  minimum distance-map dynamic (pixels) to seed a nucleus; default 1
  --no-split             do not split touching nuclei
  --no-fill              do not fill holes
  --mode M               3d (default): the stack as one volume — 3-D smoothing, one threshold,
                         3-D objects split by a watershed that respects the voxel size, and the
                         defocused planes above and below each nucleus left unlabelled;
                         2d: each plane on its own (as the paper; cuts defocus into many objects)
  --focus-fraction F     3-D: keep an object's planes whose contrast is at least F of its
                         brightest plane's (default 0.5 = axial half maximum; 0 keeps all)
  --stack-threshold      2-D: one automatic threshold for the whole stack instead of one per plane
  --model DIR            TensorFlow.js model folder (graph or layers) giving a foreground
                         probability per plane; planes are mean/std standardised, p > 0.5 kept
  --backend B            tfjs backend for --model: ${Backend.options.join(' | ')}
  --reference REF        a reference stack (e.g. high exposure), segmented with the same settings;
                         reports Dice and object F1 at IoU 0.5 against it
  --reference-labels L   a reference labels image to compare against instead
  --channel C, --time T  select a channel / time point of a multi-dimensional input
  --overwrite            replace an existing output file
  --json                 progress and the result as JSON lines on stdout
`;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        input: { type: 'string' },
        output: { type: 'string' },
        threshold: { type: 'string' },
        sigma: { type: 'string' },
        'min-size': { type: 'string' },
        h: { type: 'string' },
        'no-split': { type: 'boolean' },
        'no-fill': { type: 'boolean' },
        mode: { type: 'string' },
        'focus-fraction': { type: 'string' },
        // Older spelling of --mode 3d, kept so existing scripts keep working.
        '3d': { type: 'boolean' },
        'stack-threshold': { type: 'boolean' },
        model: { type: 'string' },
        backend: { type: 'string' },
        reference: { type: 'string' },
        'reference-labels': { type: 'string' },
        channel: { type: 'string' },
        time: { type: 'string' },
        overwrite: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    }).values;
  } catch (e) {
    throw new UserError((e as Error).message.split('\n')[0]!);
  }
}

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`--${flag} must be a number (got "${v}")`);
  return n;
}

function modeFlag(v: string | undefined): '2d' | '3d' | undefined {
  if (v === undefined) return undefined;
  if (v === '2d' || v === '3d') return v;
  throw new UserError(`--mode must be 2d or 3d (got "${v}")`);
}

export function segmentationOptionsFromFlags(f: ReturnType<typeof parseFlags>): SegmentationOptions {
  const t = f.threshold;
  if (f['3d'] && f.mode === '2d') throw new UserError('--3d contradicts --mode 2d');
  const input: SegmentationOptionsInput = {
    threshold: t === undefined ? undefined : t === 'otsu' || t === 'li' || t === 'triangle' ? t : num('threshold', t),
    sigma: num('sigma', f.sigma),
    minSize: num('min-size', f['min-size']),
    h: num('h', f.h),
    split: f['no-split'] ? false : undefined,
    fillHoles: f['no-fill'] ? false : undefined,
    mode: f['3d'] ? '3d' : modeFlag(f.mode),
    focusFraction: num('focus-fraction', f['focus-fraction']),
    thresholdScope: f['stack-threshold'] ? 'stack' : undefined,
  };
  const parsed = SegmentationOptions.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = { minSize: 'min-size', thresholdScope: 'stack-threshold', focusFraction: 'focus-fraction' }[String(issue.path[0])] ?? String(issue.path[0]);
    throw new UserError(`--${flag}: ${issue.message}`);
  }
  return parsed.data;
}

async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv);
  if (!f.input) throw new UserError('--input is required (the stack to segment)');
  if (!f.output) throw new UserError('--output is required (a .tif or .ome.tif labels file)');
  if (f.backend && !f.model) throw new UserError('--backend only applies with --model');
  const json = Boolean(f.json);
  const request: SegmentFileRequestInput = {
    input: f.input,
    output: f.output,
    options: segmentationOptionsFromFlags(f),
    overwrite: Boolean(f.overwrite),
    ...defined({
      modelDir: f.model,
      backend: oneOf(f.backend, 'backend', Backend.options),
      reference: f.reference,
      referenceLabels: f['reference-labels'],
      channel: num('channel', f.channel),
      time: num('time', f.time),
    }),
  };
  const { segmentFile } = await import('../../workflows/segment.ts');
  const onEvent = (e: WorkflowEvent) => {
    if (e.type === 'progress' && json) emitJson({ type: 'progress', stage: 'segment', done: e.done, total: e.total });
    else if (e.type === 'log' && !json) process.stderr.write(`${e.line}\n`);
    else if (e.type === 'stage' && e.stage === 'reference' && !json) process.stderr.write(`${e.message}\n`);
  };
  const result = await withFlagNames(() => segmentFile(request, { onEvent }), { modelDir: 'model', referenceLabels: 'reference-labels' });
  const summary = {
    type: 'result',
    output: result.output,
    objects: result.count,
    method: result.method,
    options: result.options,
    thresholds: result.thresholds,
    seconds: Number(result.seconds.toFixed(3)),
    perPlane: result.perPlane,
    ...(result.agreement
      ? {
          agreement: {
            dice: result.agreement.dice,
            f1: result.agreement.f1,
            precision: result.agreement.precision,
            recall: result.agreement.recall,
            tp: result.agreement.tp,
            fp: result.agreement.fp,
            fn: result.agreement.fn,
            perPlane: result.agreement.perPlane.map((p) => ({ z: p.z, dice: p.dice, f1: p.f1 })),
          },
        }
      : {}),
  };
  if (json) {
    emitJson(summary);
  } else {
    process.stdout.write(`${result.count} objects in ${result.seconds.toFixed(2)} s → ${result.output}\n`);
    for (const p of result.perPlane) process.stdout.write(`  plane ${p.z}: ${p.count} objects, mean size ${p.meanSize.toFixed(1)} px\n`);
    if (result.agreement) {
      const a = result.agreement;
      process.stdout.write(`vs reference: Dice ${a.dice.toFixed(3)}, object F1 @ IoU 0.5 ${a.f1.toFixed(3)} (TP ${a.tp}, FP ${a.fp}, FN ${a.fn})\n`);
    }
  }
  return 0;
}

export const command: Command = {
  name: 'segment',
  summary: 'segment nuclei in a stack (Otsu + watershed)',
  help: HELP,
  run,
};
