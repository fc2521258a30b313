/**
 * Whole hyperstacks: every time point, channel and plane of a file, read lazily plane by plane and
 * written back with the source's axes, order, dtype, channel names/colours/display ranges, voxel
 * size and time step (docs/hyperstacks.md).
 *
 *   openHyperstack(path)          a HyperstackSource: readPlane(t, c, z) decodes one plane on demand
 *   readHyperstack(path)          all of it in memory (TCZYX float32)
 *   writeHyperstack(path, h, o)   ImageJ hyperstack / OME-TIFF (any DimensionOrder) / OME-Zarr / NIfTI 4-D
 *   channelStack(h, t, c)         one (time, channel) as a StackSource, for the per-stack engine
 */
import { basename, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { DType, Stack } from '../../shared/stack.ts';
import {
  axesFor, canonicalTimeUnit, hyperPlane, linearLut, lutColor, planeOffset, stackMetaOf,
  type ChannelMeta, type Hyperstack, type HyperstackMeta,
} from '../../shared/hyperstack.ts';
import { INCOMPLETE_MARKER, checkTarget, openInputFile, resolveInput, writeAtomically } from './atomic.ts';
import { StackFileError, asStackFileError } from './errors.ts';
import { encodeNifti, isNiftiPath, niftiBytes, parseNiftiHeader } from './nifti.ts';
import { checkFinite } from './select.ts';
import { decodePage } from './tiff/decode.ts';
import { formatImageJDescription, parseIJMetadata, parseImageJDescription } from './tiff/imagej.ts';
import { parseOmeXml } from './tiff/ome.ts';
import { formatOmeHyperXml, parseOmeExtras } from './tiff/ome-hyperstack.ts';
import { inspectTiff } from './tiff/reader.ts';
import { estimateTiffBytes, writeTiff, type TiffSampleType } from './tiff/writer.ts';
import type { OutputFormat, StackSource, WriteOptions, WriteReport } from './types.ts';
import { isPhysical, unitFactor } from './units.ts';
import { openStack, resolveOutputDType, DEFAULT_BIGTIFF_THRESHOLD, DEFAULT_SOFTWARE } from './index.ts';

export interface HyperstackSource {
  meta: HyperstackMeta;
  /** Plane (t, c, z) as float32 (height*width values), a fresh array the caller owns. */
  readPlane(t: number, c: number, z: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface HyperstackWriteOptions extends WriteOptions {
  /** OME-TIFF only: "XY" + Z, C, T fastest first (default: the source's order, else XYZCT). */
  dimensionOrder?: string;
}

function checkIndex(meta: HyperstackMeta, path: string, t: number, c: number, z: number): void {
  const ok = (v: number, n: number) => Number.isInteger(v) && v >= 0 && v < n;
  if (!ok(t, meta.times) || !ok(c, meta.channels) || !ok(z, meta.depth)) {
    throw new StackFileError(path, `plane t=${t} c=${c} z=${z} does not exist (T=${meta.times} C=${meta.channels} Z=${meta.depth})`);
  }
}

async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

async function isZarr(path: string): Promise<boolean> {
  if (/\.zarr\/?$/i.test(path)) return true;
  if (!(await isDirectory(path))) return false;
  const found = await Promise.all(['.zattrs', 'zarr.json', INCOMPLETE_MARKER].map((m) => stat(resolve(path, m)).then(() => true, () => false)));
  return found.some(Boolean);
}

/** Opens every time point, channel and plane of a stack file for lazy reading. */
export async function openHyperstack(path: string, opts: { allowNonFinite?: boolean } = {}): Promise<HyperstackSource> {
  // Non-UTF-8 names recovered, special files (a FIFO) refused before anything opens them.
  const abs = resolve(await resolveInput(path));
  try {
    await stat(abs);
  } catch {
    throw new StackFileError(path, 'no such file or folder');
  }
  if (await isZarr(abs)) {
    const { openZarrHyperstack } = await import('./zarr-hyperstack.ts');
    return openZarrHyperstack(abs);
  }
  if (await isDirectory(abs)) return wrapStack(await openStack(abs, opts));
  if (isNiftiPath(abs)) return openNiftiHyperstack(abs, opts);
  return openTiffHyperstack(abs, opts);
}

/** A single ZYX source (a folder of TIFFs) as a hyperstack of one time point and one channel. */
function wrapStack(src: StackSource): HyperstackSource {
  const m = src.meta;
  const meta: HyperstackMeta = {
    name: m.name, ...(m.sourcePath ? { sourcePath: m.sourcePath } : {}), dtype: m.dtype, flavour: m.flavour,
    times: 1, channels: 1, depth: src.depth, height: src.height, width: src.width, order: 'TCZ', axes: 'ZYX',
    voxelSize: m.voxelSize, channelMeta: [m.channelName ? { name: m.channelName } : {}], ...(m.description ? { description: m.description } : {}),
  };
  return {
    meta,
    readPlane: (t, c, z) => {
      checkIndex(meta, m.sourcePath ?? m.name, t, c, z);
      return src.readPlane(z);
    },
    close: () => src.close(),
  };
}

async function openTiffHyperstack(abs: string, opts: { allowNonFinite?: boolean }): Promise<HyperstackSource> {
  const fh = await openInputFile(abs);
  try {
    const layout = await inspectTiff(fh, abs);
    const { info } = layout;
    const p0 = layout.structure.ifds.find((i) => (i.subfileType & 1) === 0) ?? layout.structure.ifds[0];
    const C = info.channels;
    const channelMeta: ChannelMeta[] = Array.from({ length: C }, (_, c) => (info.channelNames?.[c] ? { name: info.channelNames[c] } : {}));
    let order = 'TZC';
    let timeIncrement: HyperstackMeta['timeIncrement'];
    let description = info.description;
    if (info.flavour === 'imagej' && p0.description) {
      const ij = parseImageJDescription(p0.description);
      const ijm = p0.ijMetadata ? parseIJMetadata(p0.ijMetadata.counts, p0.ijMetadata.data) : {};
      for (let c = 0; c < C; c++) {
        const lut = ijm.luts?.[c];
        if (lut) Object.assign(channelMeta[c], { lut, color: lutColor(lut) });
        const r = ijm.ranges;
        if (r && r.length >= 2 * C) channelMeta[c].display = { min: r[2 * c], max: r[2 * c + 1] };
      }
      if (C === 1 && !channelMeta[0].display && ij.min !== undefined && ij.max !== undefined && ij.max > ij.min) channelMeta[0].display = { min: ij.min, max: ij.max };
      const fi = Number(ij.extra.finterval);
      // ImageJ's time unit defaults to seconds when finterval is set without tunit.
      if (Number.isFinite(fi) && fi > 0) timeIncrement = { value: fi, unit: canonicalTimeUnit(ij.extra.tunit ?? 'sec') ?? 's' };
    } else if (info.flavour === 'ome' && p0.description) {
      const ome = parseOmeXml(p0.description);
      order = ome.dimensionOrder.slice(2).split('').reverse().join('');
      const extras = parseOmeExtras(p0.description);
      extras.colors.forEach((col, c) => {
        if (col && c < C) channelMeta[c].color = col;
      });
      timeIncrement = extras.timeIncrement;
      description = ome.description;
    }
    const meta: HyperstackMeta = {
      name: basename(abs), sourcePath: abs, dtype: info.dtype, flavour: info.flavour,
      times: info.times, channels: C, depth: info.depth, height: info.height, width: info.width,
      order, axes: axesFor(order, { times: info.times, channels: C, depth: info.depth }),
      voxelSize: info.voxelSize, ...(timeIncrement ? { timeIncrement } : {}), channelMeta, ...(description ? { description } : {}),
    };
    const le = layout.structure.littleEndian;
    const isFloat = info.dtype === 'float32' || info.dtype === 'float64';
    let closed = false;
    return {
      meta,
      async readPlane(t, c, z) {
        if (closed) throw new StackFileError(abs, 'read after close');
        checkIndex(meta, abs, t, c, z);
        const { ifd, sample } = layout.locate(c, z, t);
        let plane: Float32Array;
        try {
          plane = await decodePage(fh, ifd, le, sample);
        } catch (e) {
          throw asStackFileError(abs, e, `plane t=${t} c=${c} z=${z} cannot be decoded`);
        }
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

/** NIfTI xyzt_units time bits (nifti1.h NIFTI_UNITS_SEC/MSEC/USEC). */
const NIFTI_TIME: Record<number, string> = { 8: 's', 16: 'ms', 24: 'us' };
const NIFTI_TIME_CODE: Record<string, number> = { s: 8, ms: 16, us: 24 };

async function openNiftiHyperstack(abs: string, opts: { allowNonFinite?: boolean }): Promise<HyperstackSource & { niftiHeader: Buffer }> {
  const bytes = await niftiBytes(abs);
  try {
    const h = parseNiftiHeader(abs, await bytes.read(0, Math.min(352, bytes.size)), bytes.size);
    const [nx, ny, nz, nt] = h.dims;
    const pd = (k: number) => (Number.isFinite(h.pixdim[k]) && h.pixdim[k] > 0 ? Math.abs(h.pixdim[k]) : 1);
    const tUnit = NIFTI_TIME[h.raw.readUInt8(123) & 0x38];
    const scaled = h.slope !== 1 || h.inter !== 0;
    const meta: HyperstackMeta = {
      name: basename(abs), sourcePath: abs, dtype: scaled ? 'float32' : h.type.dtype, flavour: 'nifti',
      times: nt, channels: 1, depth: nz, height: ny, width: nx, order: 'TCZ', axes: nt > 1 ? 'TZYX' : 'ZYX',
      voxelSize: { x: pd(1), y: pd(2), z: pd(3), unit: h.unit },
      ...(nt > 1 && tUnit && h.pixdim[4] > 0 ? { timeIncrement: { value: h.pixdim[4], unit: tUnit } } : {}),
      channelMeta: [{}], ...(h.description ? { description: h.description } : {}),
    };
    const planeBytes = nx * ny * h.type.bytes;
    return {
      meta,
      niftiHeader: h.raw,
      async readPlane(t, c, z) {
        checkIndex(meta, abs, t, c, z);
        const b = await bytes.read(h.voxOffset + (t * nz + z) * planeBytes, planeBytes);
        const out = new Float32Array(nx * ny);
        for (let i = 0; i < out.length; i++) out[i] = h.type.read(b, i * h.type.bytes, h.littleEndian) * h.slope + h.inter;
        if (!opts.allowNonFinite && meta.dtype.startsWith('float')) checkFinite(abs, z, out);
        return out;
      },
      close: () => bytes.close(),
    };
  } catch (e) {
    await bytes.close();
    throw e;
  }
}

/** Reads every plane into memory (TCZYX float32). */
export async function readHyperstack(path: string, opts: { allowNonFinite?: boolean } = {}): Promise<Hyperstack> {
  const src = await openHyperstack(path, opts);
  try {
    const m = src.meta;
    const data = new Float32Array(m.times * m.channels * m.depth * m.height * m.width);
    for (let t = 0; t < m.times; t++) for (let c = 0; c < m.channels; c++) for (let z = 0; z < m.depth; z++) data.set(await src.readPlane(t, c, z), planeOffset(m, t, c, z));
    return { meta: m, data };
  } finally {
    await src.close();
  }
}

/** An in-memory hyperstack as a source. */
export function hyperstackSource(h: Hyperstack): HyperstackSource {
  return { meta: h.meta, readPlane: async (t, c, z) => hyperPlane(h, t, c, z).slice(), close: async () => {} };
}

/** One (time, channel) of a hyperstack as a ZYX StackSource (what the per-stack engine reads). */
export function channelStack(h: HyperstackSource, t: number, c: number): StackSource {
  const m = h.meta;
  return { depth: m.depth, height: m.height, width: m.width, meta: stackMetaOf(m, t, c), readPlane: (z) => h.readPlane(t, c, z), close: async () => {} };
}

/** A single ZYX stack as a hyperstack of one time point and one channel. */
export function hyperstackOfStack(s: Stack): Hyperstack {
  const m = s.meta;
  return {
    data: s.data,
    meta: {
      name: m.name, ...(m.sourcePath ? { sourcePath: m.sourcePath } : {}), dtype: m.dtype, flavour: m.flavour,
      times: 1, channels: 1, depth: s.depth, height: s.height, width: s.width, order: 'TCZ', axes: 'ZYX',
      voxelSize: m.voxelSize, channelMeta: [m.channelName ? { name: m.channelName } : {}], ...(m.description ? { description: m.description } : {}),
    },
  };
}

function outputFormat(path: string, format: OutputFormat | undefined): OutputFormat {
  if (format) return format;
  if (/\.ome\.tiff?$/i.test(path)) return 'ome';
  if (/\.tiff?$/i.test(path)) return 'imagej';
  if (isNiftiPath(path)) return 'nifti';
  if (/\.zarr\/?$/i.test(path)) return 'zarr';
  throw new StackFileError(path, 'unknown output type: name it .tif/.tiff (ImageJ), .ome.tif (OME-TIFF), .nii/.nii.gz (NIfTI) or .zarr (OME-Zarr)');
}

/** Fastest-first DimensionOrder for an OME output. */
function omeOrder(meta: HyperstackMeta, asked: string | undefined): string {
  const o = asked ?? (meta.flavour === 'ome' ? `XY${meta.order.split('').reverse().join('')}` : 'XYZCT');
  if (!/^XY[ZCT]{3}$/.test(o) || new Set(o).size !== 5) throw new StackFileError(o, 'is not an OME DimensionOrder (XY followed by Z, C and T in some order, e.g. XYZCT)');
  return o;
}

/** (t, c, z) of the k-th plane in a fastest-first order of Z, C, T. */
function planeAt(order: string, meta: HyperstackMeta, k: number): { t: number; c: number; z: number } {
  const size: Record<string, number> = { Z: meta.depth, C: meta.channels, T: meta.times };
  const at: Record<string, number> = { Z: 0, C: 0, T: 0 };
  let rest = k;
  for (const d of order.slice(2)) {
    at[d] = rest % size[d];
    rest = Math.floor(rest / size[d]);
  }
  return { t: at.T, c: at.C, z: at.Z };
}

function ijEscape(s: string): string {
  return s.replace(/=/g, '\\u003D').replace(/[\r\n]+/g, ' ');
}

/**
 * Writes a whole hyperstack (lazy source or in memory) to an ImageJ hyperstack, an OME-TIFF, an
 * OME-Zarr image or a NIfTI (one channel, 4-D for several time points), plane by plane.
 */
export async function writeHyperstack(path: string, h: HyperstackSource | Hyperstack, opts: HyperstackWriteOptions = {}): Promise<WriteReport> {
  const src = 'data' in h ? hyperstackSource(h) : h;
  const meta = src.meta;
  const format = outputFormat(path, opts.format);
  const abs = resolve(path);
  const { times: T, channels: C, depth: Z, height, width } = meta;
  if (!(T >= 1 && C >= 1 && Z >= 1 && height >= 1 && width >= 1)) throw new StackFileError(path, `cannot write a hyperstack of ${T}×${C}×${Z}×${height}×${width}`);
  if (format !== 'zarr' && (await isDirectory(abs))) throw new StackFileError(path, 'is a folder; give a file name for the output');
  await checkTarget(abs, { overwrite: opts.overwrite, protect: [meta.sourcePath, ...(opts.protect ?? [])] });
  const { dtype, notes } = resolveOutputDType(meta.dtype, opts.dtype, format);
  const software = opts.software ?? DEFAULT_SOFTWARE;
  const description = opts.description ?? meta.description;
  const total = T * C * Z;
  let done = 0;
  const progress = () => opts.onProgress?.(++done, total);

  if (format === 'zarr') {
    const { writeZarrHyperstack } = await import('./zarr-hyperstack.ts');
    const clipped = await writeZarrHyperstack(abs, meta, (t, c, z) => src.readPlane(t, c, z), { dtype, software, description, overwrite: opts.overwrite, protect: opts.protect }, progress);
    if (clipped) notes.push(clipNote(clipped, dtype));
    return { path: abs, format, dtype, bytes: 0, bigTiff: false, clipped, notes };
  }

  if (format === 'nifti') {
    if (C > 1) throw new StackFileError(path, `NIfTI holds one channel but the stack has ${C}; write .ome.tif, .tif or .zarr, or pick one channel`);
    if (!(dtype === 'int16' || dtype === 'uint8' || dtype === 'uint16' || dtype === 'float32')) throw new StackFileError(path, `cannot write dtype ${dtype} to NIfTI`);
    const planes: Float32Array[] = [];
    for (let t = 0; t < T; t++) for (let z = 0; z < Z; z++) {
      planes.push(await src.readPlane(t, 0, z));
      progress();
    }
    const template = (src as { niftiHeader?: Buffer }).niftiHeader;
    const vs = meta.voxelSize;
    const sameGrid = template !== undefined;
    const { bytes, clipped } = encodeNifti({ depth: Z, height, width, voxel: { x: vs.x, y: vs.y, z: vs.z, unit: vs.unit }, description: description ?? software }, planes, dtype, sameGrid ? template : undefined);
    if (T > 1) {
      // encodeNifti writes a 3-D header; a time series adds dim[4] and its step (pixdim[4], xyzt_units).
      bytes.writeInt16LE(4, 40);
      bytes.writeInt16LE(T, 48);
      const ti = meta.timeIncrement;
      // NIfTI has no minutes or hours: those are stored in seconds.
      const toSeconds = ti ? ({ min: 60, h: 3600 } as Record<string, number>)[ti.unit] : undefined;
      const code = ti ? (NIFTI_TIME_CODE[ti.unit] ?? (toSeconds ? 8 : 0)) : 0;
      bytes.writeFloatLE(ti ? ti.value * (toSeconds ?? 1) : 1, 92);
      bytes.writeUInt8((bytes.readUInt8(123) & 0x07) | code, 123);
    }
    const out = /\.gz$/i.test(path) ? await gzipped(bytes) : bytes;
    await writeAtomically(abs, async (fh) => {
      await fh.write(out, 0, out.length, 0);
    }, { overwrite: opts.overwrite, protect: [meta.sourcePath, ...(opts.protect ?? [])] });
    if (clipped) notes.push(clipNote(clipped, dtype));
    return { path: abs, format, dtype, bytes: out.length, bigTiff: false, clipped, notes };
  }

  const tiffDType = dtype as TiffSampleType;
  const vs = meta.voxelSize;
  const physical = isPhysical(vs.unit);
  const uuid = randomUUID();
  let order: string;
  let describe: (r: { min: number; max: number }) => string;
  let imagejMetadata: { info?: string; labels?: string[]; ranges?: number[]; luts?: Uint8Array[] } | undefined;
  let resolution: { x: number; y: number; unit: 1 | 2 | 3 } | undefined;
  const cms = Array.from({ length: C }, (_, c) => meta.channelMeta[c] ?? {});
  if (format === 'imagej') {
    // ImageJ stores C fastest, then Z, then T: fastest-first "XYCZT".
    order = 'XYCZT';
    const extra: Record<string, string> = { 'n2s.software': ijEscape(software) };
    if (description) extra['n2s.description'] = ijEscape(description);
    if (meta.sourcePath) extra['n2s.source'] = ijEscape(basename(meta.sourcePath));
    const ti = meta.timeIncrement;
    const frameExtra: Record<string, string> = ti && T > 1 ? { finterval: String(ti.value), tunit: ti.unit === 's' ? 'sec' : ti.unit } : {};
    const luts = cms.every((cm) => cm.lut || cm.color) ? cms.map((cm) => cm.lut ?? (linearLut(cm.color as string) as Uint8Array)) : undefined;
    const ranges = cms.every((cm) => cm.display) ? cms.flatMap((cm) => [cm.display!.min, cm.display!.max]) : undefined;
    describe = (r) => formatImageJDescription({
      slices: Z, channels: C, frames: T, unit: physical ? vs.unit : undefined,
      spacing: vs.z > 0 && Number.isFinite(vs.z) ? vs.z : undefined,
      min: ranges?.[0] ?? r.min, max: ranges?.[1] ?? r.max, mode: luts && C > 1 ? 'composite' : undefined, extra: { ...frameExtra, ...extra },
    });
    const names = cms.map((cm) => cm.name);
    imagejMetadata = {
      info: [`Software: ${software}`, ...(description ? [`Description: ${description}`] : []), ...(meta.sourcePath ? [`Source: ${basename(meta.sourcePath)}`] : [])].join('\n'),
      labels: names.every((n) => n) ? Array.from({ length: total }, (_, k) => names[k % C] as string) : undefined,
      ranges,
      luts,
    };
    if (vs.x > 0 && vs.y > 0 && Number.isFinite(vs.x) && Number.isFinite(vs.y)) resolution = { x: 1 / vs.x, y: 1 / vs.y, unit: 1 };
  } else {
    order = omeOrder(meta, opts.dimensionOrder);
    describe = () => formatOmeHyperXml({
      name: meta.name, dimensionOrder: order, sizeX: width, sizeY: height, sizeZ: Z, sizeC: C, sizeT: T,
      type: tiffDType === 'float32' ? 'float' : tiffDType, voxel: vs, timeIncrement: meta.timeIncrement,
      channels: cms.map((cm) => ({ ...cm, color: cm.color ?? (cm.lut ? lutColor(cm.lut) : undefined) })),
      description, uuid, software,
    });
    const toCm = physical ? unitFactor(vs.unit, 'cm') : undefined;
    if (toCm && vs.x > 0 && vs.y > 0) resolution = { x: 1 / (vs.x * toCm), y: 1 / (vs.y * toCm), unit: 3 };
  }
  const estimate = estimateTiffBytes({ depth: total, height, width }, tiffDType, 8192 + (description?.length ?? 0) * 2 + (imagejMetadata?.luts ? 768 * C : 0));
  const bigTiff = estimate > (opts.bigTiffThreshold ?? DEFAULT_BIGTIFF_THRESHOLD);
  const result = await writeAtomically(abs, (fh) =>
    writeTiff(fh, {
      depth: total, height, width,
      plane: (k) => {
        const { t, c, z } = planeAt(order, meta, k);
        return src.readPlane(t, c, z);
      },
    }, { dtype: tiffDType, describe, software, resolution, bigTiff, imagejMetadata, onProgress: opts.onProgress }),
  { overwrite: opts.overwrite, protect: [meta.sourcePath, ...(opts.protect ?? [])] });
  if (result.clipped) notes.push(clipNote(result.clipped, dtype));
  if (bigTiff) notes.push('written as BigTIFF; Fiji opens it with File › Import › Bio-Formats, napari and tifffile directly');
  return { path: abs, format, dtype, bytes: result.bytes, bigTiff, clipped: result.clipped, notes };
}

const INT_RANGE: Partial<Record<DType, [number, number]>> = { uint8: [0, 255], uint16: [0, 65535], int16: [-32768, 32767], uint32: [0, 4294967295], int32: [-2147483648, 2147483647] };

/** The same note as writeStack's for values that did not fit an integer output. */
function clipNote(n: number, dtype: DType): string {
  const [lo, hi] = INT_RANGE[dtype] ?? [-Infinity, Infinity];
  return `${n} value${n === 1 ? '' : 's'} outside the ${dtype} range ${lo}–${hi} (or NaN) were clipped; write float32 (--dtype float32) to keep them`;
}

async function gzipped(b: Buffer): Promise<Buffer> {
  const { gzip } = await import('node:zlib');
  return new Promise((res, rej) => gzip(b, (e, out) => (e ? rej(e) : res(out))));
}
