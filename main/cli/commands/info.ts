import { z } from 'zod';
import type { Command } from '../command.ts';
import { emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';
import { probeStack, type StackInfo } from '../../io/index.ts';
import { openHyperstack } from '../../io/hyperstack.ts';
import { lutColor, type HyperstackMeta } from '../../../shared/hyperstack.ts';

const Args = z.object({ file: z.string().min(1), json: z.boolean() });

function parseArgs(argv: string[]): z.infer<typeof Args> {
  const files = argv.filter((a) => !a.startsWith('--'));
  const flags = argv.filter((a) => a.startsWith('--'));
  const unknown = flags.filter((f) => f !== '--json');
  if (unknown.length) throw new UserError(`unknown flag ${unknown[0]} (see n2s info --help)`);
  if (files.length !== 1) throw new UserError('expected exactly one FILE (see n2s info --help)');
  return Args.parse({ file: files[0], json: flags.includes('--json') });
}

const FLAVOUR: Record<string, string> = { imagej: 'ImageJ', ome: 'OME', plain: 'plain', nifti: 'NIfTI', zarr: 'OME-Zarr', folder: 'folder of TIFFs', synthetic: 'synthetic' };

/** The whole-hyperstack view of a file (what train/denoise/convert process), for display and JSON. */
export interface HyperstackInfo {
  axes: string;
  order: string;
  times: number;
  channels: number;
  depth: number;
  timeIncrement?: HyperstackMeta['timeIncrement'];
  channelMeta: { name?: string; color?: string; display?: { min: number; max: number } }[];
}

function hyperstackInfo(m: HyperstackMeta): HyperstackInfo {
  return {
    axes: m.axes, order: m.order, times: m.times, channels: m.channels, depth: m.depth,
    ...(m.timeIncrement ? { timeIncrement: m.timeIncrement } : {}),
    channelMeta: m.channelMeta.map((c) => ({
      ...(c.name ? { name: c.name } : {}),
      ...(c.color ?? (c.lut && lutColor(c.lut)) ? { color: c.color ?? lutColor(c.lut!) } : {}),
      ...(c.display ? { display: c.display } : {}),
    })),
  };
}

function formatHyperstack(h: HyperstackInfo): string[] {
  const lines = [`hyperstack: T=${h.times} C=${h.channels} Z=${h.depth} (file order ${h.order}, slowest first)`];
  if (h.timeIncrement) lines.push(`time step:  ${h.timeIncrement.value} ${h.timeIncrement.unit}`);
  if (h.channels > 1 || h.channelMeta[0]?.color || h.channelMeta[0]?.display) {
    h.channelMeta.forEach((c, k) => {
      const parts = [c.name ?? `C${k}`, c.color ? `#${c.color}` : '', c.display ? `display ${c.display.min}–${c.display.max}` : ''].filter(Boolean);
      lines.push(`${k === 0 ? 'channel 0:' : `channel ${k}:`.padEnd(10)}  ${parts.join(', ')}`);
    });
  }
  return lines;
}

export function formatInfo(i: StackInfo, h?: HyperstackInfo): string {
  const axes = i.axes.split('').map((a, k) => `${a}=${i.shape[k]}`).join(' ');
  const vs = i.voxelSize;
  const lines = [
    `file:       ${i.path}`,
    `flavour:    ${FLAVOUR[i.flavour] ?? i.flavour}`,
    `axes:       ${i.axes}  (${axes})`,
    `dtype:      ${i.dtype}`,
    `voxel size: z=${vs.z} y=${vs.y} x=${vs.x} ${vs.unit}`,
  ];
  if (i.channels > 1) {
    lines.push(`channels:   ${i.channels}${i.channelNames ? ` (${i.channelNames.join(', ')})` : ''} — train/denoise/convert take all; --channel C picks one`);
    if (i.depth === 1) lines.push('            (if these are Z planes saved as channels, read them with --channels-as-z)');
  }
  else if (i.channelNames?.[0]) lines.push(`channel:    ${i.channelNames[0]}`);
  if (i.times > 1) lines.push(`time:       ${i.times} points — train/denoise/convert take all; --time T picks one${i.depth === 1 ? ' (neighbours in time: --neighbour-axis t)' : ''}`);
  if (h && (h.times > 1 || h.channels > 1 || h.timeIncrement || h.channelMeta.some((c) => c.color))) lines.push(...formatHyperstack(h));
  if (i.description) lines.push(`description: ${i.description.replace(/\n/g, ' | ')}`);
  for (const [k, v] of Object.entries(i.details)) lines.push(`${(k + ':').padEnd(11)} ${v}`);
  return lines.join('\n') + '\n';
}

export const command: Command = {
  name: 'info',
  summary: 'show axes, shape, dtype and voxel size of a stack file',
  help: [
    'Usage: n2s info FILE [--json]',
    '',
    'Shows what n2s reads from FILE: axes and shape per axis, dtype, voxel size and unit, and the',
    'flavour (ImageJ, OME, plain TIFF, NIfTI, OME-Zarr, folder of TIFFs); for hyperstacks also the',
    'time points, channels (name, colour, display range), file order and time step.',
    '',
    'FILE     a .tif/.tiff (ImageJ hyperstack, OME-TIFF or plain), .nii/.nii.gz, .zarr, or a folder',
    '         of single-plane TIFFs',
    '--json   print one JSON object instead of text',
  ].join('\n'),
  async run(argv) {
    const args = parseArgs(argv);
    const info = await probeStack(args.file);
    const src = await openHyperstack(args.file);
    const hyper = hyperstackInfo(src.meta);
    await src.close();
    if (args.json) emitJson({ type: 'result', ...info, hyperstack: hyper });
    else process.stdout.write(formatInfo(info, hyper));
    return 0;
  },
};
