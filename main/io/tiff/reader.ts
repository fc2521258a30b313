/**
 * TIFF stacks (ImageJ hyperstacks, OME-TIFF, plain multi-page) opened for lazy per-plane reading.
 * The structure is validated up front (structure.ts); a plane is decoded only when asked for.
 */
import type { FileHandle } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { DType, StackMeta } from '../../../shared/stack.ts';
import { StackFileError, asStackFileError } from '../errors.ts';
import { openInputFile } from '../output-path.ts';
import { checkFinite, selectIndex } from '../select.ts';
import type { ReadOptions, StackInfo, StackSource } from '../types.ts';
import { decodePage } from './decode.ts';
import { layoutOf, type TiffLayout } from './layout.ts';
import { TiffFormatError, parseTiff, type TiffStructure } from './structure.ts';

/** Reads structure and metadata of an open TIFF; throws StackFileError for anything we refuse. */
export async function inspectTiff(fh: FileHandle, path: string): Promise<TiffLayout> {
  let structure: TiffStructure;
  try {
    structure = await parseTiff(fh, path);
  } catch (e) {
    throw asStackFileError(path, e, 'not a readable TIFF');
  }
  try {
    return layoutOf(structure, path);
  } catch (e) {
    // Layout faults are already sentences about the file ("is an RGB colour image", ...).
    if (e instanceof TiffFormatError) throw new StackFileError(path, e.message);
    throw asStackFileError(path, e, 'unsupported TIFF');
  }
}

/**
 * Takes the planes of the stack from another axis of the file: tifffile and some acquisition
 * software label an unlabelled Z-stack as channels (the "Z-stack saved as channels" complaint,
 * --channels-as-z), and a time-lapse of one plane is denoised with its frames as the stack
 * (--frames-as-z). The file must have a single Z slice for either.
 */
function planesFrom(path: string, layout: TiffLayout, axis: 'Z' | 'C' | 'T'): TiffLayout {
  if (axis === 'Z') return layout;
  const { info } = layout;
  const flag = axis === 'C' ? '--channels-as-z' : '--frames-as-z';
  const size = axis === 'C' ? info.channels : info.times;
  if (info.depth !== 1 || size < 1) {
    throw new StackFileError(path, `${flag} needs a file with a single Z slice, but it has axes ${info.axes} (shape ${info.shape.join('×')})`);
  }
  const axes = info.axes.replace(axis, 'Z');
  const reinterpreted = `${axis === 'C' ? 'channels' : 'time points'} read as Z (file axes ${info.axes})`;
  return {
    ...layout,
    info: axis === 'C'
      ? { ...info, axes, depth: size, channels: 1, channelNames: undefined, details: { ...info.details, reinterpreted } }
      : { ...info, axes, depth: size, times: 1, details: { ...info.details, reinterpreted } },
    locate: axis === 'C' ? (_c, z, t) => layout.locate(z, 0, t) : (c, z) => layout.locate(c, 0, z),
  };
}

/** The hint added when a file has several channels or time points and no Z. */
function axisHint(info: StackInfo, axis: 'C' | 'T'): string {
  if (info.depth !== 1) return '';
  return axis === 'C' ? ', or read them as Z planes with --channels-as-z' : ', or use the frames as the stack with --frames-as-z';
}

export async function probeTiff(path: string): Promise<StackInfo> {
  const fh = await openFile(path);
  try {
    return (await inspectTiff(fh, path)).info;
  } finally {
    await fh.close();
  }
}

/** Never blocks (a FIFO named .tif) and refuses anything but a regular file (output-path.ts). */
async function openFile(path: string): Promise<FileHandle> {
  return openInputFile(path);
}

export async function openTiff(path: string, opts: ReadOptions = {}): Promise<StackSource> {
  const abs = resolve(path);
  const fh = await openFile(abs);
  try {
    const layout = planesFrom(abs, await inspectTiff(fh, abs), opts.planesFrom ?? (opts.channelsAsZ ? 'C' : 'Z'));
    const { info } = layout;
    const c = selectIndex(abs, info.channels, opts.channel, 'channel', '--channel', axisHint(info, 'C'));
    const t = selectIndex(abs, info.times, opts.time, 'time point', '--time', axisHint(info, 'T'));
    const meta: StackMeta = {
      name: basename(abs),
      sourcePath: abs,
      dtype: info.dtype as DType,
      voxelSize: info.voxelSize,
      flavour: info.flavour,
      sourceAxes: info.axes,
      sourceShape: info.shape,
      ...(info.channels > 1 || opts.channel !== undefined ? { channel: c } : {}),
      ...(info.times > 1 || opts.time !== undefined ? { time: t } : {}),
      ...(info.channelNames?.[c] ? { channelName: info.channelNames[c] } : {}),
      ...(info.description ? { description: info.description } : {}),
    };
    const le = layout.structure.littleEndian;
    const isFloat = info.dtype === 'float32' || info.dtype === 'float64';
    let closed = false;
    return {
      depth: info.depth,
      height: info.height,
      width: info.width,
      meta,
      async readPlane(z: number): Promise<Float32Array> {
        if (closed) throw new StackFileError(abs, 'read after close');
        if (!Number.isInteger(z) || z < 0 || z >= info.depth) throw new StackFileError(abs, `plane ${z} does not exist (depth ${info.depth})`);
        const { ifd, sample } = layout.locate(c, z, t);
        let plane: Float32Array;
        try {
          plane = await decodePage(fh, ifd, le, sample);
        } catch (e) {
          throw asStackFileError(abs, e, `plane ${z} cannot be decoded`);
        }
        // Integer samples cannot be NaN/Inf; only float data need the scan.
        if (!opts.allowNonFinite && isFloat) checkFinite(abs, z, plane);
        return plane;
      },
      async close() {
        if (!closed) {
          closed = true;
          await fh.close();
        }
      },
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}
