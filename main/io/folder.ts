/**
 * A folder of single-plane TIFFs as one stack (z from the file names in natural order:
 * img2.tif before img10.tif). Files are opened per plane, so the folder is read lazily.
 */
import { readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { StackMeta } from '../../shared/stack.ts';
import { StackFileError } from './errors.ts';
import { selectIndex } from './select.ts';
import { openTiff, probeTiff } from './tiff/reader.ts';
import type { ReadOptions, StackInfo, StackSource } from './types.ts';

const naturalOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;

export async function listPlaneFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => /\.tiff?$/i.test(n) && !n.startsWith('.'));
  if (names.length === 0) throw new StackFileError(dir, 'folder holds no .tif/.tiff files');
  return names.sort(naturalOrder).map((n) => join(dir, n));
}

export async function probeFolder(dir: string): Promise<StackInfo> {
  const abs = resolve(dir);
  const files = await listPlaneFiles(abs);
  const first = await probeTiff(files[0]);
  if (first.depth !== 1 || first.channels !== 1 || first.times !== 1) {
    throw new StackFileError(files[0], `is a ${first.axes} stack; a folder stack needs one plane per file`);
  }
  return {
    ...first,
    path: abs,
    flavour: 'folder',
    axes: 'ZYX',
    shape: [files.length, first.height, first.width],
    depth: files.length,
    details: { ...first.details, files: files.length, first: basename(files[0]), last: basename(files[files.length - 1]) },
  };
}

export async function openFolder(dir: string, opts: ReadOptions = {}): Promise<StackSource> {
  const info = await probeFolder(dir);
  const files = await listPlaneFiles(info.path);
  selectIndex(info.path, 1, opts.channel, 'channel', '--channel');
  selectIndex(info.path, 1, opts.time, 'time point', '--time');
  const meta: StackMeta = {
    name: basename(info.path),
    sourcePath: info.path,
    dtype: info.dtype,
    voxelSize: info.voxelSize,
    flavour: 'folder',
    sourceAxes: 'ZYX',
    sourceShape: info.shape,
  };
  return {
    depth: files.length,
    height: info.height,
    width: info.width,
    meta,
    async readPlane(z: number): Promise<Float32Array> {
      if (!Number.isInteger(z) || z < 0 || z >= files.length) throw new StackFileError(info.path, `plane ${z} does not exist (depth ${files.length})`);
      const src = await openTiff(files[z], { allowNonFinite: opts.allowNonFinite });
      try {
        if (src.height !== info.height || src.width !== info.width || src.depth !== 1) {
          throw new StackFileError(files[z], `is ${src.depth}×${src.height}×${src.width}; the folder's first file is one ${info.height}×${info.width} plane`);
        }
        return await src.readPlane(0);
      } finally {
        await src.close();
      }
    },
    close: async () => {},
  };
}
