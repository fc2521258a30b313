import { z } from 'zod';
import type { Command } from '../command.ts';
import { emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';
import { probeStack, type StackInfo } from '../../io/index.ts';

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

export function formatInfo(i: StackInfo): string {
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
    lines.push(`channels:   ${i.channels}${i.channelNames ? ` (${i.channelNames.join(', ')})` : ''} — choose one with --channel`);
    if (i.depth === 1) lines.push('            (if these are Z planes saved as channels, read them with --channels-as-z)');
  }
  else if (i.channelNames?.[0]) lines.push(`channel:    ${i.channelNames[0]}`);
  if (i.times > 1) lines.push(`time:       ${i.times} points — choose one with --time${i.depth === 1 ? ', or use them as the stack with --frames-as-z' : ''}`);
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
    'flavour (ImageJ, OME, plain TIFF, NIfTI, OME-Zarr, folder of TIFFs).',
    '',
    'FILE     a .tif/.tiff (ImageJ hyperstack, OME-TIFF or plain), .nii/.nii.gz, .zarr, or a folder',
    '         of single-plane TIFFs',
    '--json   print one JSON object instead of text',
  ].join('\n'),
  async run(argv) {
    const args = parseArgs(argv);
    const info = await probeStack(args.file);
    if (args.json) emitJson({ type: 'result', ...info });
    else process.stdout.write(formatInfo(info));
    return 0;
  },
};
