/**
 * 'export-hyperstack' (issue 18): the whole group of an open stack — every channel and time point —
 * to one file through main/io's hyperstack writer, with the channel names, colours, display
 * ranges, voxel size and time increment; atomic, never over an open stack's source file.
 */
import { basename } from 'node:path';
import type { Hyperstack } from '../../../../shared/hyperstack.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';

interface Input {
  hyper: Hyperstack;
  path: string;
  format: 'imagej' | 'ome' | 'zarr';
  dtype: 'float32' | 'keep' | 'uint16' | 'uint8';
  overwrite: boolean;
  protect: string[];
}

/** The writer's format follows the name; a name that says another format is refused, not rewritten. */
function checkName(path: string, format: Input['format']): void {
  const ok = format === 'zarr' ? /\.zarr\/?$/i.test(path) : format === 'ome' ? /\.ome\.tiff?$/i.test(path) : /\.tiff?$/i.test(path) && !/\.ome\.tiff?$/i.test(path);
  const want = format === 'zarr' ? '.zarr' : format === 'ome' ? '.ome.tif' : '.tif';
  if (!ok) throw new UserError(`${basename(path)}: name the ${format === 'imagej' ? 'ImageJ hyperstack' : format === 'ome' ? 'OME-TIFF' : 'OME-Zarr'} output ${want}`);
}

export const job = defineJobKind('export-hyperstack', {
  prepare(params, main): Input {
    const path = main.paths.assertWritable(params.path);
    checkName(path, params.format);
    const groupId = main.stacks.groupOf(params.stackId);
    if (!groupId) throw new UserError(`${main.stacks.info(params.stackId).name} is not a channel of a hyperstack; export it as one stack`);
    const { hyper } = main.stacks.group(groupId);
    // Every open stack's source file is an input of this session: none may be written over.
    const protect = main.stacks.list().map((s) => s.meta.sourcePath).filter((p): p is string => Boolean(p));
    return { hyper, path, format: params.format, dtype: params.dtype, overwrite: params.overwrite, protect };
  },

  async run(input, ctx) {
    const { writeHyperstack } = await import('../../../io/hyperstack.ts');
    ctx.progress(0, `writing ${basename(input.path)}`);
    const rep = await writeHyperstack(input.path, input.hyper, {
      format: input.format,
      dtype: input.dtype,
      overwrite: input.overwrite,
      protect: input.protect,
      onProgress: (done, total) => ctx.progress(done / total, `writing plane ${done} of ${total}`),
    });
    const m = input.hyper.meta;
    return { path: rep.path, format: rep.format, dtype: rep.dtype, bytes: rep.bytes, notes: rep.notes, times: m.times, channels: m.channels };
  },

  finish(out) {
    return out;
  },
});
