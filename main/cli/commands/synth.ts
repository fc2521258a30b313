import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { emitJson, type Command } from '../command.ts';
import { UserError } from '../../errors.ts';
import type { Stack } from '../../../shared/stack.ts';
import { readStack, writeStack } from '../../io/index.ts';
import { parseSchemaFlags as parseFlags, numeric } from '../flags.ts';
import { prepareMri } from '../../science/mri-prep.ts';
import { undersampleStack } from '../../science/kspace.ts';
import { generateMicroscopy, generateMicroscopyHyperstack } from '../../science/synth-microscopy.ts';
import { writeHyperstack } from '../../io/hyperstack.ts';

const HELP = `Usage:
  n2s synth mri --input CLEAN.nii.gz --out DIR [--copies 2] [--seed N] [--keep 0.1]
                [--middle N] [--downsample F] [--overwrite] [--json]
  n2s synth microscopy --out DIR [--seed N] [--depth 10] [--height 256] [--width 256]
                [--nuclei N] [--channels 1|2] [--times T] [--overwrite] [--json]

mri: scales the clean volume to [-0.5, 0.5] and writes independent k-space-undersampled copies
  (p(k) = exp(-lambda |k|), lambda such that --keep of the frequencies are kept in expectation,
  kept coefficients divided by p; docs/method.md §6). Writes clean.tif, noisy_1.tif … noisy_C.tif,
  mask_1.tif … (1 = frequency sampled, numpy's unshifted FFT layout) and synth.json.
  --middle N keeps the N middle planes; --downsample F block-averages F×F pixels.
microscopy: synthetic widefield nuclei stack: low.tif (20 ms), high.tif (100 ms), clean.tif,
  labels.tif (nucleus ids), background.tif (camera pattern) and synth.json.
  --channels 2 and/or --times T: a synthetic time-lapse hyperstack (TZCYX; channel 0 nuclei,
  channel 1 membranes, slow drift between frames, 60 s apart): low.tif, high.tif (the reference)
  and clean.tif as ImageJ hyperstacks with channel names and colours, and synth.json.`;

const int = (what: string) => z.string().optional().transform(numeric).pipe(z.number({ error: `${what} must be a number` }).int().optional());

const MriFlags = z.object({
  input: z.string({ error: 'missing --input CLEAN.nii.gz' }),
  out: z.string({ error: 'missing --out DIR' }),
  copies: int('copies').pipe(z.number().int().min(1).max(16).default(2)),
  seed: int('seed').pipe(z.number().int().min(0).default(0)),
  keep: z.string().optional().transform(numeric).pipe(z.number().gt(0).lt(1).default(0.1)),
  middle: int('middle').pipe(z.number().int().min(1).optional()),
  downsample: int('downsample').pipe(z.number().int().min(1).max(16).default(1)),
  overwrite: z.boolean().default(false),
  json: z.boolean().default(false),
});

const MicroscopyFlags = z.object({
  out: z.string({ error: 'missing --out DIR' }),
  seed: int('seed').pipe(z.number().int().min(0).default(0)),
  depth: int('depth').pipe(z.number().int().min(1).max(512).default(10)),
  height: int('height').pipe(z.number().int().min(16).max(8192).default(256)),
  width: int('width').pipe(z.number().int().min(16).max(8192).default(256)),
  nuclei: int('nuclei').pipe(z.number().int().min(0).max(100000).optional()),
  channels: int('channels').pipe(z.number().int().min(1).max(2).default(1)),
  times: int('times').pipe(z.number().int().min(1).max(1000).default(1)),
  overwrite: z.boolean().default(false),
  json: z.boolean().default(false),
});

const COMMON = { out: { type: 'string' }, seed: { type: 'string' }, overwrite: { type: 'boolean' }, json: { type: 'boolean' } } as const;

async function writeAll(dir: string, files: Array<[string, Stack]>, overwrite: boolean, json: boolean): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, stack] of files) {
    const path = join(dir, name);
    await writeStack(path, stack, { overwrite, dtype: 'float32' });
    written.push(path);
    if (json) emitJson({ type: 'file', path });
    else process.stdout.write(`wrote ${path}\n`);
  }
  return written;
}

async function writeJsonAtomically(path: string, obj: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(obj, null, 2) + '\n');
  await rename(tmp, path);
}

async function synthMri(argv: string[]): Promise<number> {
  const { flags } = parseFlags(
    argv,
    { ...COMMON, input: { type: 'string' }, copies: { type: 'string' }, keep: { type: 'string' }, middle: { type: 'string' }, downsample: { type: 'string' } },
    MriFlags,
  );
  const dir = resolve(flags.out);
  const vol = await readStack(flags.input);
  if (vol.height < 8 * flags.downsample || vol.width < 8 * flags.downsample) {
    throw new UserError(`planes of ${vol.height}×${vol.width} are too small to downsample by ${flags.downsample}`);
  }
  const clean = prepareMri(vol, { middle: flags.middle, downsample: flags.downsample });
  clean.meta.name = 'clean';
  delete clean.meta.sourcePath;
  const k = undersampleStack(clean, { seed: flags.seed, copies: flags.copies, keepFraction: flags.keep });
  const files: Array<[string, Stack]> = [['clean.tif', clean]];
  k.copies.forEach((c, i) => files.push([`noisy_${i + 1}.tif`, c]));
  k.masks.forEach((m, i) => files.push([`mask_${i + 1}.tif`, m]));
  const written = await writeAll(dir, files, flags.overwrite, flags.json);
  const info = {
    kind: 'mri-kspace',
    input: resolve(flags.input),
    seed: flags.seed,
    copies: flags.copies,
    keepFraction: flags.keep,
    lambda: k.lambda,
    shape: [clean.depth, clean.height, clean.width],
    preprocessing: clean.meta.description,
    files: written,
  };
  await writeJsonAtomically(join(dir, 'synth.json'), info);
  if (flags.json) emitJson({ type: 'result', ...info });
  return 0;
}

async function synthMicroscopy(argv: string[]): Promise<number> {
  const { flags } = parseFlags(
    argv,
    { ...COMMON, depth: { type: 'string' }, height: { type: 'string' }, width: { type: 'string' }, nuclei: { type: 'string' }, channels: { type: 'string' }, times: { type: 'string' } },
    MicroscopyFlags,
  );
  const dir = resolve(flags.out);
  if (flags.channels > 1 || flags.times > 1) return synthMicroscopyHyperstack(dir, flags);
  const m = generateMicroscopy({ seed: flags.seed, depth: flags.depth, height: flags.height, width: flags.width, nuclei: flags.nuclei });
  const bg: Stack = { ...m.clean, depth: 1, data: m.background, meta: { ...m.clean.meta, name: 'camera background', sourceShape: [1, m.clean.height, m.clean.width] } };
  const files: Array<[string, Stack]> = [
    ['low.tif', m.low],
    ['high.tif', m.high],
    ['clean.tif', m.clean],
    ['labels.tif', m.labels],
    ['background.tif', bg],
  ];
  // Camera counts and label ids are integers: store them as uint16 (float32 for the clean signal).
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, stack] of files) {
    const path = join(dir, name);
    await writeStack(path, stack, { overwrite: flags.overwrite, dtype: name === 'clean.tif' ? 'float32' : 'uint16' });
    written.push(path);
    if (flags.json) emitJson({ type: 'file', path });
    else process.stdout.write(`wrote ${path}\n`);
  }
  const info = { kind: 'microscopy', seed: flags.seed, shape: [flags.depth, flags.height, flags.width], lowExposureMs: 20, highExposureMs: 100, files: written };
  await writeJsonAtomically(join(dir, 'synth.json'), info);
  if (flags.json) emitJson({ type: 'result', ...info });
  return 0;
}

/** --channels/--times: a TZCYX time-lapse (nuclei, membranes), written as ImageJ hyperstacks. */
async function synthMicroscopyHyperstack(dir: string, flags: z.infer<typeof MicroscopyFlags>): Promise<number> {
  const m = generateMicroscopyHyperstack({ seed: flags.seed, depth: flags.depth, height: flags.height, width: flags.width, nuclei: flags.nuclei, channels: flags.channels, times: flags.times });
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, h] of [['low.tif', m.low], ['high.tif', m.high], ['clean.tif', m.clean]] as const) {
    const path = join(dir, name);
    await writeHyperstack(path, h, { overwrite: flags.overwrite, dtype: name === 'clean.tif' ? 'float32' : 'uint16' });
    written.push(path);
    if (flags.json) emitJson({ type: 'file', path });
    else process.stdout.write(`wrote ${path}\n`);
  }
  const info = {
    kind: 'microscopy-hyperstack', synthetic: true, seed: flags.seed, axes: m.low.meta.axes,
    shape: [flags.times, flags.depth, flags.channels, flags.height, flags.width],
    channels: m.low.meta.channelMeta.map((c) => c.name), lowExposureMs: 20, highExposureMs: 100, files: written,
  };
  await writeJsonAtomically(join(dir, 'synth.json'), info);
  if (flags.json) emitJson({ type: 'result', ...info });
  return 0;
}

export const command: Command = {
  name: 'synth',
  summary: 'write synthetic noisy/clean stacks (MRI k-space noise, microscopy)',
  help: HELP,
  run: async (argv) => {
    const [kind, ...rest] = argv;
    if (kind === 'mri') return synthMri(rest);
    if (kind === 'microscopy') return synthMicroscopy(rest);
    throw new UserError(kind ? `unknown kind "${kind}": use "n2s synth mri" or "n2s synth microscopy"` : 'say what to synthesise: "n2s synth mri" or "n2s synth microscopy"');
  },
};
