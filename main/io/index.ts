/**
 * The stack file layer: read what microscopists and MRI users have (TIFF: ImageJ/OME/plain,
 * NIfTI-1, folders of TIFFs, OME-Zarr) and write what Fiji, napari and tifffile open.
 *
 *   openStack(path, opts)   lazy per-plane access (StackSource)
 *   readStack(path, opts)   the whole ZYX stack in memory (Stack)
 *   probeStack(path)        what the file holds, before any channel/time choice (StackInfo)
 *   writeStack(path, s, o)  ImageJ TIFF / OME-TIFF / NIfTI / OME-Zarr, atomic (WriteReport)
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DType, Stack, StackMeta } from '../../shared/stack.ts';
import { writeAtomically } from './atomic.ts';
import { checkOutputPath, resolveInput } from './output-path.ts';
import { StackFileError } from './errors.ts';
import { UserError } from '../errors.ts';
import { openFolder, probeFolder } from './folder.ts';
import { encodeNifti, isNiftiPath, openNifti, probeNifti } from './nifti.ts';
import { formatImageJDescription } from './tiff/imagej.ts';
import { formatOmeXml } from './tiff/ome.ts';
import { openTiff, probeTiff } from './tiff/reader.ts';
import { estimateTiffBytes, writeTiff, type TiffSampleType } from './tiff/writer.ts';
import type { OutputDType, OutputFormat, ReadOptions, StackInfo, StackSource, WriteOptions, WriteReport } from './types.ts';
import { isPhysical, unitFactor } from './units.ts';

export type { OutputDType, OutputFormat, ReadOptions, StackInfo, StackSource, WriteOptions, WriteReport } from './types.ts';
export { StackFileError } from './errors.ts';
export { checkOutputPath, checkInputPath, isOwnedFolder, openInputFile, resolveInput, OWNER_MARKER, INCOMPLETE_MARKER, type OutputPathOptions } from './output-path.ts';
export { installTempCleanup, registerTemp, removeLiveTemps, writeAtomically } from './atomic.ts';

export const DEFAULT_SOFTWARE = 'Noise2Stack Studio';
/** Classic TIFF offsets are 32-bit; stay clear of 4 GiB with room for the IFDs. */
export const DEFAULT_BIGTIFF_THRESHOLD = 4_000_000_000;

type Kind = 'tiff' | 'nifti' | 'zarr' | 'folder';

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function kindOf(path: string): Promise<Kind> {
  try {
    await stat(path);
  } catch {
    throw new StackFileError(path, 'no such file or folder');
  }
  if (/\.zarr\/?$/i.test(path)) return 'zarr';
  if (await isDirectory(path)) {
    const markers = await Promise.all(['.zattrs', 'zarr.json', '.zgroup'].map((m) => stat(resolve(path, m)).then(() => true, () => false)));
    return markers.some(Boolean) ? 'zarr' : 'folder';
  }
  return isNiftiPath(path) ? 'nifti' : 'tiff';
}

interface ZarrModule {
  openZarr(path: string, opts: { channel?: number; time?: number }): Promise<StackSource>;
  writeZarr(path: string, stack: Stack, opts: { dtype?: DType; overwrite?: boolean; protect?: (string | undefined)[]; name?: string; extra?: Record<string, unknown> }): Promise<unknown>;
}

/** OME-Zarr lives in ./zarr.ts (another module, loaded only when a Zarr path is used). */
async function loadZarr(path: string): Promise<ZarrModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('./zarr.ts')) as Record<string, unknown>;
  } catch (e) {
    throw new StackFileError(path, `OME-Zarr support is not available in this build (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof mod.openZarr !== 'function' || typeof mod.writeZarr !== 'function') {
    throw new StackFileError(path, 'OME-Zarr support is not available in this build (zarr module lacks openZarr/writeZarr)');
  }
  return mod as unknown as ZarrModule;
}

/** Errors of the Zarr module become one-line StackFileErrors (UserErrors pass unchanged). */
function asUserFacing(path: string, e: unknown): Error {
  if (e instanceof UserError) return e;
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  return new StackFileError(path, msg.replace(/^.*?\.zarr\/?:\s*/, ''));
}

/** Opens a stack for lazy per-plane reading. Close it when done. */
export async function openStack(input: string, opts: ReadOptions = {}): Promise<StackSource> {
  const path = await resolveInput(input);
  const kind = await kindOf(path);
  switch (kind) {
    case 'tiff':
      return openTiff(path, opts);
    case 'nifti':
      return openNifti(path, opts);
    case 'folder':
      return openFolder(path, opts);
    case 'zarr': {
      const zarr = await loadZarr(path);
      try {
        return await zarr.openZarr(path, { channel: opts.channel, time: opts.time });
      } catch (e) {
        throw asUserFacing(path, e);
      }
    }
  }
}

/** What a file holds (axes, shape, dtype, voxel size, flavour) without choosing channel/time. */
export async function probeStack(input: string): Promise<StackInfo> {
  const path = await resolveInput(input);
  const kind = await kindOf(path);
  switch (kind) {
    case 'tiff':
      return probeTiff(path);
    case 'nifti':
      return probeNifti(path);
    case 'folder':
      return probeFolder(path);
    case 'zarr': {
      // The Zarr module exposes a source; describe the selected array through it.
      const zarr = await loadZarr(path);
      let src: StackSource;
      try {
        src = await zarr.openZarr(path, {});
      } catch (e) {
        throw asUserFacing(path, e);
      }
      await src.close();
      const m = src.meta;
      return {
        path: resolve(path),
        flavour: 'zarr',
        axes: m.sourceAxes,
        shape: m.sourceShape,
        dtype: m.dtype,
        voxelSize: m.voxelSize,
        channels: m.sourceAxes.includes('C') ? m.sourceShape[m.sourceAxes.indexOf('C')] : 1,
        times: m.sourceAxes.includes('T') ? m.sourceShape[m.sourceAxes.indexOf('T')] : 1,
        depth: src.depth,
        height: src.height,
        width: src.width,
        channelNames: m.channelName ? [m.channelName] : undefined,
        description: m.description,
        details: {},
      };
    }
  }
}

/** Reads the whole (selected channel/time of the) stack into memory, reporting progress per plane. */
export async function readStack(path: string, opts: ReadOptions = {}): Promise<Stack> {
  const src = await openStack(path, opts);
  try {
    const n = src.height * src.width;
    const data = new Float32Array(src.depth * n);
    for (let z = 0; z < src.depth; z++) {
      data.set(await src.readPlane(z), z * n);
      opts.onProgress?.(z + 1, src.depth);
    }
    return { depth: src.depth, height: src.height, width: src.width, data, meta: src.meta };
  } finally {
    await src.close();
  }
}

function inferFormat(path: string, format: OutputFormat | undefined): OutputFormat {
  if (format) return format;
  if (/\.ome\.tiff?$/i.test(path)) return 'ome';
  if (/\.tiff?$/i.test(path)) return 'imagej';
  if (isNiftiPath(path)) return 'nifti';
  if (/\.zarr\/?$/i.test(path)) return 'zarr';
  throw new StackFileError(path, 'unknown output type: name it .tif/.tiff (ImageJ), .ome.tif (OME-TIFF), .nii/.nii.gz (NIfTI) or .zarr (OME-Zarr)');
}

const INT_RANGE: Partial<Record<DType, [number, number]>> = { uint8: [0, 255], uint16: [0, 65535], int16: [-32768, 32767] };

/** The dtype actually written, and why it differs from what was asked, if it does. */
export function resolveOutputDType(source: DType, wanted: OutputDType | undefined, format: OutputFormat): { dtype: DType; notes: string[] } {
  const notes: string[] = [];
  const ask = wanted ?? 'keep';
  if (ask !== 'keep') return { dtype: ask, notes };
  const writable: DType[] = format === 'zarr' ? ['uint8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'] : ['uint8', 'uint16', 'int16', 'float32'];
  if (writable.includes(source)) return { dtype: source, notes };
  notes.push(`source dtype ${source} is not written to ${format === 'nifti' ? 'NIfTI' : 'TIFF'} by n2s (ImageJ cannot open it); wrote float32`);
  return { dtype: 'float32', notes };
}

function isStack(s: Stack | StackSource): s is Stack {
  return (s as Stack).data instanceof Float32Array;
}

function planeGetter(s: Stack | StackSource): (z: number) => Promise<Float32Array> {
  if (isStack(s)) {
    const n = s.height * s.width;
    return async (z) => s.data.subarray(z * n, (z + 1) * n);
  }
  return (z) => s.readPlane(z);
}

function descriptionText(meta: StackMeta, opts: WriteOptions): string | undefined {
  return opts.description ?? meta.description;
}

/** ImageJ shows key=value lines; "=" inside our free text is escaped as ImageJ escapes µ. */
function ijValue(s: string): string {
  return s.replace(/=/g, '\\u003D').replace(/[\r\n]+/g, ' ');
}

/**
 * Writes a stack (in memory or a lazy source) atomically. Refuses to replace an existing file
 * unless opts.overwrite, and refuses, always, to write over the stack's own source file.
 */
export async function writeStack(path: string, stack: Stack | StackSource, opts: WriteOptions = {}): Promise<WriteReport> {
  const format = inferFormat(path, opts.format);
  const meta = stack.meta;
  const { depth, height, width } = stack;
  if (!(depth >= 1 && height >= 1 && width >= 1)) throw new StackFileError(path, `cannot write a stack of ${depth}×${height}×${width} (zero planes or empty planes)`);
  if (format !== 'zarr' && (await isDirectory(path))) throw new StackFileError(path, 'is a folder; give a file name for the output');
  const protect = [meta.sourcePath, ...(opts.protect ?? [])];
  await checkOutputPath(path, { overwrite: opts.overwrite, inputs: protect });
  const { dtype, notes } = resolveOutputDType(meta.dtype, opts.dtype, format);
  const software = opts.software ?? DEFAULT_SOFTWARE;
  const description = descriptionText(meta, opts);
  const getPlane = planeGetter(stack);
  const abs = resolve(path);

  if (format === 'zarr') {
    const zarr = await loadZarr(path);
    const full = isStack(stack) ? stack : await materialise(stack);
    // Integer Zarr arrays would wrap out-of-range values; round and clip them here, as for TIFF.
    const { data, clipped } = roundAndClip(full.data, dtype);
    try {
      await zarr.writeZarr(abs, { ...full, data }, { dtype, overwrite: opts.overwrite, protect, name: meta.name, extra: { software, ...(description ? { description } : {}) } });
    } catch (e) {
      throw asUserFacing(path, e);
    }
    if (clipped) notes.push(clipNote(clipped, dtype));
    return { path: abs, format, dtype, bytes: 0, bigTiff: false, clipped, notes };
  }

  if (format === 'nifti') {
    if (dtype === 'int16' || dtype === 'uint8' || dtype === 'uint16' || dtype === 'float32') {
      const planes: Float32Array[] = [];
      for (let z = 0; z < depth; z++) planes.push(await getPlane(z));
      const template = (stack as { header?: { raw?: Buffer } }).header?.raw ?? (await niftiTemplate(meta, depth, height, width));
      const { bytes, clipped } = encodeNifti({ depth, height, width, voxel: niftiVoxel(meta), description: description ?? software }, planes, dtype, template);
      const gz = /\.gz$/i.test(path);
      const out = gz ? await gzip(bytes) : bytes;
      await writeAtomically(abs, async (fh) => {
        await fh.write(out, 0, out.length, 0);
      }, { overwrite: opts.overwrite, protect });
      if (clipped) notes.push(clipNote(clipped, dtype));
      return { path: abs, format, dtype, bytes: out.length, bigTiff: false, clipped, notes };
    }
    throw new StackFileError(path, `cannot write dtype ${dtype} to NIfTI`);
  }

  const tiffDType = dtype as TiffSampleType;
  const vs = meta.voxelSize;
  const physical = isPhysical(vs.unit);
  const extra: Record<string, string> = { 'n2s.software': ijValue(software) };
  if (description) extra['n2s.description'] = ijValue(description);
  if (meta.channelName) extra['n2s.channel'] = ijValue(meta.channelName);
  if (meta.sourcePath) extra['n2s.source'] = ijValue(basename(meta.sourcePath));
  const uuid = randomUUID();
  const describe = format === 'imagej'
    ? (r: { min: number; max: number }) => formatImageJDescription({ slices: depth, unit: physical ? vs.unit : undefined, spacing: vs.z > 0 && Number.isFinite(vs.z) ? vs.z : undefined, min: r.min, max: r.max, extra })
    : () => formatOmeXml({
      name: meta.name,
      sizeX: width,
      sizeY: height,
      sizeZ: depth,
      type: tiffDType === 'float32' ? 'float' : tiffDType,
      voxel: vs,
      channelName: meta.channelName,
      description,
      uuid,
      software,
    });
  const resolution = tiffResolution(format, vs);
  // Fiji shows Info under Image › Show Info and a label per slice; the n2s.* keys are for us.
  const imagejMetadata = format === 'imagej'
    ? {
      info: [`Software: ${software}`, ...(description ? [`Description: ${description}`] : []), ...(meta.sourcePath ? [`Source: ${basename(meta.sourcePath)}`] : [])].join('\n'),
      labels: meta.channelName ? Array.from({ length: depth }, () => meta.channelName as string) : undefined,
    }
    : undefined;
  const estimate = estimateTiffBytes(stack, tiffDType, 4096 + (description?.length ?? 0) * 2);
  const bigTiff = estimate > (opts.bigTiffThreshold ?? DEFAULT_BIGTIFF_THRESHOLD);
  const result = await writeAtomically(abs, (fh) =>
    writeTiff(fh, { depth, height, width, plane: getPlane }, { dtype: tiffDType, describe, software, resolution, bigTiff, imagejMetadata, onProgress: opts.onProgress }),
  { overwrite: opts.overwrite, protect });
  if (result.clipped) notes.push(clipNote(result.clipped, dtype));
  if (bigTiff) notes.push(`written as BigTIFF (over ${((opts.bigTiffThreshold ?? DEFAULT_BIGTIFF_THRESHOLD) / 1e9).toFixed(1)} GB); Fiji opens it with File › Import › Bio-Formats, napari and tifffile directly`);
  return { path: abs, format, dtype, bytes: result.bytes, bigTiff, clipped: result.clipped, notes };
}

/** Values rounded and limited to an integer dtype's range (a copy), and how many had to change. */
function roundAndClip(data: Float32Array, dtype: DType): { data: Float32Array; clipped: number } {
  const range = INT_RANGE[dtype] ?? (dtype === 'uint32' ? [0, 4294967295] : dtype === 'int32' ? [-2147483648, 2147483647] : undefined);
  if (!range) return { data, clipped: 0 };
  const [lo, hi] = range;
  const out = new Float32Array(data.length);
  let clipped = 0;
  for (let i = 0; i < data.length; i++) {
    const v = Math.round(data[i]);
    if (v >= lo && v <= hi) out[i] = v;
    else {
      clipped++;
      out[i] = v > hi ? hi : lo;
    }
  }
  return { data: out, clipped };
}

function clipNote(n: number, dtype: DType): string {
  const [lo, hi] = INT_RANGE[dtype] ?? (dtype === 'uint32' ? [0, 4294967295] : [-2147483648, 2147483647]);
  return `${n} value${n === 1 ? '' : 's'} outside the ${dtype} range ${lo}–${hi} (or NaN) were clipped; write float32 (--dtype float32) to keep them`;
}

/** ImageJ: pixels per unit, unit in the description; OME: pixels per centimetre (the TIFF way). */
function tiffResolution(format: OutputFormat, vs: StackMeta['voxelSize']): { x: number; y: number; unit: 1 | 2 | 3 } | undefined {
  if (!(vs.x > 0 && vs.y > 0 && Number.isFinite(vs.x) && Number.isFinite(vs.y))) return undefined;
  if (!isPhysical(vs.unit)) return format === 'imagej' ? { x: 1 / vs.x, y: 1 / vs.y, unit: 1 } : undefined;
  if (format === 'imagej') return { x: 1 / vs.x, y: 1 / vs.y, unit: 1 };
  const toCm = unitFactor(vs.unit, 'cm');
  return toCm ? { x: 1 / (vs.x * toCm), y: 1 / (vs.y * toCm), unit: 3 } : undefined;
}

function niftiVoxel(meta: StackMeta): { x: number; y: number; z: number; unit: string } {
  const vs = meta.voxelSize;
  // NIfTI knows m, mm and micron; other lengths are converted to mm.
  if (['m', 'mm', 'micron'].includes(vs.unit) || !isPhysical(vs.unit)) return vs;
  const f = unitFactor(vs.unit, 'mm') ?? 1;
  return { x: vs.x * f, y: vs.y * f, z: vs.z * f, unit: 'mm' };
}

/**
 * The header of the NIfTI file the stack was read from, when it has the same grid: a denoised
 * volume written back then keeps the scanner geometry (qform/sform, orientation) of its input.
 */
async function niftiTemplate(meta: StackMeta, depth: number, height: number, width: number): Promise<Buffer | undefined> {
  if (meta.flavour !== 'nifti' || !meta.sourcePath || !isNiftiPath(meta.sourcePath)) return undefined;
  try {
    const src = await openNifti(meta.sourcePath, { time: meta.time ?? 0 });
    await src.close();
    return src.depth === depth && src.height === height && src.width === width ? src.header.raw : undefined;
  } catch {
    // The source may have moved or changed since it was read; the output then gets a plain header.
    return undefined;
  }
}

async function materialise(src: StackSource): Promise<Stack> {
  const n = src.height * src.width;
  const data = new Float32Array(src.depth * n);
  for (let z = 0; z < src.depth; z++) data.set(await src.readPlane(z), z * n);
  return { depth: src.depth, height: src.height, width: src.width, data, meta: src.meta };
}

async function gzip(b: Buffer): Promise<Buffer> {
  const { gzip: gz } = await import('node:zlib');
  return new Promise((res, rej) => gz(b, (e, out) => (e ? rej(e) : res(out))));
}
