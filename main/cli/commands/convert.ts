import { z } from 'zod';
import type { Command } from '../command.ts';
import { emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';
import { OutputDtype } from '../../../shared/config/enums.ts';
import { openStack, writeStack } from '../../io/index.ts';
import { openHyperstack, writeHyperstack } from '../../io/hyperstack.ts';
import { describeWorkload, etaReporter } from '../../io/workload.ts';
import type { DType } from '../../../shared/stack.ts';

const Args = z.object({
  input: z.string().min(1),
  output: z.string().min(1),
  format: z.enum(['imagej', 'ome', 'nifti', 'zarr']).optional(),
  dtype: OutputDtype.default('keep'),
  channel: z.number().int().nonnegative().optional(),
  time: z.number().int().nonnegative().optional(),
  overwrite: z.boolean(),
  channelsAsZ: z.boolean(),
  framesAsZ: z.boolean(),
  dimensionOrder: z.string().regex(/^XY(ZCT|ZTC|CZT|CTZ|TZC|TCZ)$/, 'is XY followed by Z, C and T in some order, e.g. XYZCT').optional(),
  json: z.boolean(),
});

const VALUE_FLAGS = new Set(['--format', '--dtype', '--channel', '--time', '--dimension-order']);
const BOOL_FLAGS = new Set(['--overwrite', '--json', '--channels-as-z', '--frames-as-z']);

function parseArgs(argv: string[]): z.infer<typeof Args> {
  const pos: string[] = [];
  const vals: Record<string, string> = {};
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (VALUE_FLAGS.has(flag)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UserError(`${flag} needs a value`);
      vals[flag.slice(2)] = v;
    } else if (BOOL_FLAGS.has(flag)) bools.add(flag.slice(2));
    else if (a.startsWith('--')) throw new UserError(`unknown flag ${a} (see n2s convert --help)`);
    else pos.push(a);
  }
  if (pos.length !== 2) throw new UserError('expected IN and OUT (see n2s convert --help)');
  const int = (k: string) => {
    if (vals[k] === undefined) return undefined;
    const n = Number(vals[k]);
    if (!Number.isInteger(n) || n < 0) throw new UserError(`--${k} must be a non-negative integer, got "${vals[k]}"`);
    return n;
  };
  const r = Args.safeParse({
    input: pos[0],
    output: pos[1],
    format: vals.format,
    dtype: vals.dtype,
    channel: int('channel'),
    time: int('time'),
    overwrite: bools.has('overwrite'),
    channelsAsZ: bools.has('channels-as-z'),
    framesAsZ: bools.has('frames-as-z'),
    dimensionOrder: vals['dimension-order'],
    json: bools.has('json'),
  });
  if (r.success && r.data.channelsAsZ && r.data.framesAsZ) throw new UserError('--channels-as-z and --frames-as-z exclude each other');
  if (!r.success) {
    const issue = r.error.issues[0];
    const flag = issue.path.join('.').replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);
    throw new UserError(`--${flag}: ${issue.message}`);
  }
  return r.data;
}

/**
 * Progress of a conversion: JSON events with --json, a plane counter on a terminal. A large job
 * (main/io/workload.ts) first says how big it is and then, terminal or not, how long it has left.
 */
function progressReporter(a: { json: boolean }, planes: number, height: number, width: number, dtype: DType): ((done: number, total: number) => void) | undefined {
  if (a.json) return (done, total) => emitJson({ type: 'progress', done, total });
  const job = describeWorkload(planes, height, width, dtype);
  if (job.large) process.stderr.write(`converting ${job.text}\n`);
  const eta = job.large ? etaReporter(planes) : undefined;
  let latest = '';
  if (process.stderr.isTTY) {
    return (done, total) => {
      latest = eta?.(done) ?? latest;
      process.stderr.write(`\rplane ${done}/${total}${latest ? ` — ${latest}` : ''}${done === total ? '\n' : ''}`);
    };
  }
  if (!eta) return undefined;
  return (done) => {
    const line = eta(done);
    if (line) process.stderr.write(`${line}\n`);
  };
}

/** Every time point and channel of IN to OUT, plane by plane. */
async function convertWhole(a: z.infer<typeof Args>): Promise<number> {
  const src = await openHyperstack(a.input);
  // One time point of one channel is a plain Z-stack: the single-stack writer serves it as before.
  if (src.meta.times === 1 && src.meta.channels === 1 && !a.dimensionOrder) {
    await src.close();
    return convertOne(a);
  }
  try {
    const report = await writeHyperstack(a.output, src, {
      format: a.format,
      dtype: a.dtype,
      overwrite: a.overwrite,
      protect: [a.input],
      dimensionOrder: a.dimensionOrder,
      onProgress: progressReporter(a, src.meta.times * src.meta.channels * src.meta.depth, src.meta.height, src.meta.width, src.meta.dtype),
    });
    const m = src.meta;
    if (a.json) emitJson({ type: 'result', ...report, axes: m.axes, shape: { t: m.times, c: m.channels, z: m.depth, y: m.height, x: m.width } });
    else {
      process.stdout.write(`wrote ${report.path} (${report.format}, ${report.dtype}, T=${m.times} C=${m.channels} Z=${m.depth} ${m.height}×${m.width}${report.bigTiff ? ', BigTIFF' : ''})\n`);
      for (const n of report.notes) process.stdout.write(`note: ${n}\n`);
    }
  } finally {
    await src.close();
  }
  return 0;
}

export const command: Command = {
  name: 'convert',
  summary: 'convert between TIFF (ImageJ/OME), NIfTI and OME-Zarr keeping metadata',
  help: [
    'Usage: n2s convert IN OUT [--format imagej|ome|nifti|zarr] [--dtype keep|float32|uint16|uint8]',
    '                          [--channel C] [--time T] [--channels-as-z | --frames-as-z]',
    '                          [--dimension-order XYZCT] [--overwrite] [--json]',
    '',
    'Reads IN (TIFF, NIfTI, OME-Zarr or a folder of TIFFs) and writes the whole hyperstack to OUT (every',
    'time point and channel, keeping the file order, dtype, channel names, colours and display ranges,',
    'voxel size and time step), or one Z-stack with --channel/--time. The output type follows OUT\'s name (.tif ImageJ, .ome.tif OME-TIFF,',
    '.nii/.nii.gz NIfTI, .zarr OME-Zarr) unless --format says otherwise. TIFF output is written plane by plane (streamed).',
    '',
    '--format F     imagej | ome | nifti | zarr',
    '--dtype D      keep (default; integers are rounded and clipped to the range, with a note) |',
    '               float32 | uint16 | uint8',
    '--channel C    channel to take from a multi-channel file (0-based)',
    '--time T       time point to take from a time series (0-based)',
    '--channels-as-z  read the channels of a single-slice TIFF as Z planes (a Z-stack saved as channels)',
    '--frames-as-z    use the time points of a single-slice TIFF (a time-lapse) as the stack',
    '--dimension-order O  OME-TIFF plane order (XY then Z, C, T fastest first; default: as the input',
    '               if it is OME, else XYZCT)',
    '--overwrite    replace OUT if it exists (never the input)',
    '--json         print the write report as JSON',
  ].join('\n'),
  async run(argv) {
    const a = parseArgs(argv);
    if (a.channel === undefined && a.time === undefined && !a.channelsAsZ && !a.framesAsZ) return convertWhole(a);
    if (a.dimensionOrder) throw new UserError('--dimension-order applies to whole hyperstacks (without --channel/--time)');
    return convertOne(a);
  },
};

/** One Z-stack (the chosen channel/time point, or the only one) from IN to OUT. */
async function convertOne(a: z.infer<typeof Args>): Promise<number> {
  const src = await openStack(a.input, { channel: a.channel, time: a.time, planesFrom: a.channelsAsZ ? 'C' : a.framesAsZ ? 'T' : 'Z' });
  try {
    const report = await writeStack(a.output, src, {
      format: a.format,
      dtype: a.dtype,
      overwrite: a.overwrite,
      protect: [a.input],
      onProgress: progressReporter(a, src.depth, src.height, src.width, src.meta.dtype),
    });
    if (a.json) emitJson({ type: 'result', ...report });
    else {
      process.stdout.write(`wrote ${report.path} (${report.format}, ${report.dtype}, ${src.depth}×${src.height}×${src.width}${report.bigTiff ? ', BigTIFF' : ''})\n`);
      for (const n of report.notes) process.stdout.write(`note: ${n}\n`);
    }
  } finally {
    await src.close();
  }
  return 0;
}
