/**
 * OME-Zarr hyperstacks: every time point and channel of an NGFF image (axes such as tczyx, czyx,
 * tzyx), with the omero channel metadata (label, color, window) and the time step (the t axis's
 * scale and unit). Read: NGFF 0.4 on Zarr v2 and 0.5 on Zarr v3; write: NGFF 0.4 on Zarr v2 (what
 * python3-zarr 2.13, napari and ome-zarr-py read), one chunk per plane so any plane can be read or
 * written alone. zarr.ts keeps the single-stack reader and the sharded in-place writer.
 */
import * as zarr from 'zarrita';
import { promises as fsp, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { DType, VoxelSize } from '../../shared/stack.ts';
import { canonicalTimeUnit, type ChannelMeta, type HyperstackMeta } from '../../shared/hyperstack.ts';
import { AtomicFileStore, getChecked, openCheckedArray, readMetadataText, zarrIncomplete, FILE_NAME, FILE_NAME_PROBLEM, incompleteText, publishFolder } from './zarr.ts';
import { StackFileError } from './errors.ts';
import { registerTemp, tempNameFor } from './atomic.ts';
import { INCOMPLETE_MARKER, OWNER_MARKER, checkOutputPath, isOwnedFolder, ownerMarkerText, removeDeadPartialFolders } from './output-path.ts';

const Axis = z.object({ name: z.string(), type: z.string().optional(), unit: z.string().optional() });
const Transform = z.object({ type: z.string(), scale: z.array(z.number()).optional() }).passthrough();
const Multiscale = z.object({
  version: z.string().optional(),
  name: z.string().optional(),
  axes: z.array(z.union([Axis, z.string()])),
  datasets: z.array(z.object({ path: z.string(), coordinateTransformations: z.array(Transform).optional() })).min(1),
  coordinateTransformations: z.array(Transform).optional(),
});
const OmeroChannel = z.object({
  label: z.string().optional(),
  color: z.string().optional(),
  window: z.object({ start: z.number().optional(), end: z.number().optional(), min: z.number().optional(), max: z.number().optional() }).passthrough().optional(),
}).passthrough();
const Attrs = z.object({
  multiscales: z.array(Multiscale).min(1),
  omero: z.object({ channels: z.array(OmeroChannel).optional() }).passthrough().optional(),
  n2s: z.object({ description: z.string().optional() }).passthrough().optional(),
}).passthrough();
type Attrs = z.infer<typeof Attrs>;

const DTYPES: Record<string, DType> = { uint8: 'uint8', uint16: 'uint16', int16: 'int16', uint32: 'uint32', int32: 'int32', float32: 'float32', float64: 'float64' };
const V2_DTYPE: Partial<Record<DType, string>> = { uint8: '|u1', uint16: '<u2', int16: '<i2', uint32: '<u4', int32: '<i4', float32: '<f4', float64: '<f8' };
const SPACE_IN: Record<string, string> = { micrometer: 'micron', millimeter: 'mm', nanometer: 'nm', meter: 'm', centimeter: 'cm' };
const SPACE_OUT: Record<string, string> = { micron: 'micrometer', mm: 'millimeter', nm: 'nanometer', m: 'meter', cm: 'centimeter' };
const TIME_OUT: Record<string, string> = { s: 'second', ms: 'millisecond', us: 'microsecond', min: 'minute', h: 'hour' };

async function readJson(path: string): Promise<unknown> {
  try {
    // Regular files only (a FIFO named .zattrs would block): zarr.ts reads it.
    const text = await readMetadataText(path);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StackFileError(path, `not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}

/** The NGFF attributes of a group (.zattrs for v2, zarr.json "attributes"[.ome] for v3). */
async function readAttrs(root: string): Promise<{ attrs: Attrs; v3: boolean }> {
  const v3 = (await readJson(join(root, 'zarr.json'))) as { attributes?: { ome?: unknown } & Record<string, unknown> } | undefined;
  const raw = v3 !== undefined ? { ...(v3.attributes ?? {}), ...((v3.attributes?.ome as object | undefined) ?? {}) } : await readJson(join(root, '.zattrs'));
  if (raw === undefined) throw new StackFileError(root, 'not an OME-Zarr group (no .zattrs or zarr.json)');
  const parsed = Attrs.safeParse(raw);
  if (!parsed.success) throw new StackFileError(root, `no valid NGFF "multiscales" metadata (${parsed.error.issues[0]?.message})`);
  return { attrs: parsed.data, v3: v3 !== undefined };
}

export interface ZarrHyperSource {
  meta: HyperstackMeta;
  readPlane(t: number, c: number, z: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Opens the full-resolution array of an OME-Zarr image as a hyperstack (planes read on demand). */
export async function openZarrHyperstack(path: string): Promise<ZarrHyperSource> {
  const root = resolve(path);
  // A volume still being written (or whose writer was killed) is never read as if complete.
  const incomplete = await zarrIncomplete(root);
  if (incomplete) throw new StackFileError(path, incomplete);
  const { attrs, v3 } = await readAttrs(root);
  const ms = attrs.multiscales[0];
  const names = ms.axes.map((a) => (typeof a === 'string' ? a : a.name).toLowerCase());
  const at = (n: string) => names.indexOf(n);
  if (at('y') < 0 || at('x') < 0) throw new StackFileError(root, `axes ${names.join('')} have no y and x`);
  const unknown = names.filter((n) => !'tczyx'.includes(n) || n.length !== 1);
  if (unknown.length) throw new StackFileError(root, `axis "${unknown[0]}" is not one of t, c, z, y, x`);
  // Codecs, shape and chunk sizes checked, decoded chunk sizes verified (zarr.ts).
  const arr = await openCheckedArray(root, ms.datasets[0].path, v3 ? 3 : 2, path, names);
  const shape = arr.shape;
  if (shape.length !== names.length) throw new StackFileError(root, `array has ${shape.length} dimensions but ${names.length} axes`);
  const dtype = DTYPES[arr.dtype];
  if (!dtype) throw new StackFileError(root, `unsupported data type ${arr.dtype}`);
  const size = (n: string) => (at(n) >= 0 ? shape[at(n)] : 1);
  const scale = new Array<number>(names.length).fill(1);
  for (const list of [ms.datasets[0].coordinateTransformations, ms.coordinateTransformations]) {
    for (const t of list ?? []) if (t.type === 'scale' && t.scale?.length === names.length) t.scale.forEach((s, i) => (scale[i] *= s));
  }
  const unitOf = (n: string) => {
    const a = ms.axes[at(n)];
    return a === undefined || typeof a === 'string' ? undefined : a.unit;
  };
  const space = unitOf('x') ?? unitOf('y');
  const voxelSize: VoxelSize = { z: at('z') >= 0 ? scale[at('z')] : 1, y: scale[at('y')], x: scale[at('x')], unit: space ? (SPACE_IN[space] ?? space) : 'pixel' };
  const tUnit = canonicalTimeUnit(unitOf('t'));
  const C = size('c');
  const omero = attrs.omero?.channels ?? [];
  const channelMeta: ChannelMeta[] = Array.from({ length: C }, (_, c) => {
    const o = omero[c];
    if (!o) return {};
    const w = o.window;
    const color = o.color && /^[0-9a-fA-F]{6}$/.test(o.color) ? o.color.toUpperCase() : undefined;
    return {
      ...(o.label !== undefined ? { name: o.label } : {}),
      ...(color ? { color } : {}),
      ...(w && w.start !== undefined && w.end !== undefined ? { display: { min: w.start, max: w.end } } : {}),
    };
  });
  const meta: HyperstackMeta = {
    name: basename(root),
    sourcePath: root,
    dtype,
    flavour: 'zarr',
    times: size('t'),
    channels: C,
    depth: size('z'),
    height: size('y'),
    width: size('x'),
    order: names.filter((n) => 'tcz'.includes(n)).join('').toUpperCase() + ['t', 'c', 'z'].filter((n) => !names.includes(n)).join('').toUpperCase(),
    axes: names.join('').toUpperCase(),
    voxelSize,
    ...(at('t') >= 0 && tUnit && scale[at('t')] > 0 ? { timeIncrement: { value: scale[at('t')], unit: tUnit } } : {}),
    channelMeta,
    ...(attrs.n2s?.description ? { description: attrs.n2s.description } : {}),
  };
  return {
    meta,
    async readPlane(t, c, zi) {
      const sel = names.map((n) => (n === 't' ? t : n === 'c' ? c : n === 'z' ? zi : null));
      for (const [n, v] of [['t', t], ['c', c], ['z', zi]] as const) {
        if (!Number.isInteger(v) || v < 0 || v >= size(n)) throw new StackFileError(root, `plane ${n}=${v} out of range`);
      }
      const got = await getChecked(path, ms.datasets[0].path, arr, names, sel);
      const src = got.data as ArrayLike<number>;
      const out = new Float32Array(meta.height * meta.width);
      // y before x in NGFF, so the remaining 2-D selection is already row-major YX.
      for (let i = 0; i < out.length; i++) out[i] = Number(src[i]);
      return out;
    },
    close: async () => {},
  };
}

/** `src` in the output dtype (integers rounded and limited to the range) and how many values had to change. */
function cast(dtype: DType, src: Float32Array): { data: ArrayLike<number>; clipped: number } {
  const ranges: Partial<Record<DType, [number, number, new (n: number) => Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array]>> = {
    uint8: [0, 255, Uint8Array], uint16: [0, 65535, Uint16Array], int16: [-32768, 32767, Int16Array], uint32: [0, 4294967295, Uint32Array], int32: [-2147483648, 2147483647, Int32Array],
  };
  const r = ranges[dtype];
  if (r) {
    const [lo, hi, T] = r;
    const out = new T(src.length);
    let clipped = 0;
    for (let i = 0; i < src.length; i++) {
      const v = Math.round(src[i]);
      if (v >= lo && v <= hi) out[i] = v;
      else {
        clipped++;
        out[i] = v > hi ? hi : lo;
      }
    }
    return { data: out, clipped };
  }
  return { data: dtype === 'float64' ? Float64Array.from(src) : src, clipped: 0 };
}

export interface ZarrHyperWriteOptions {
  dtype: DType;
  overwrite?: boolean;
  /** Inputs of the job: the output may not be, contain or lie inside any of them. */
  protect?: (string | undefined)[];
  software: string;
  description?: string;
}

/** ASCII JSON: python3-zarr 2.13 decodes metadata as ASCII, so µ and names are \u-escaped. */
function asciiJson(o: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(o, null, 2).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Where the planes of a hyperstack go in an NGFF image: its axes, shape and one chunk per plane. */
export interface HyperZarrLayout {
  root: string;
  meta: HyperstackMeta;
  dtype: DType;
  names: string[];
  shape: number[];
}

function hyperLayout(root: string, meta: HyperstackMeta, dtype: DType): HyperZarrLayout {
  // Keep the source's leading axes when they exist there; T/C/Z longer than 1 are always written.
  const present = (a: string) => meta.axes.includes(a) || (a === 'T' ? meta.times > 1 : a === 'C' ? meta.channels > 1 : true);
  const names = [...['T', 'C', 'Z'].filter(present), 'Y', 'X'].map((a) => a.toLowerCase());
  const sizes: Record<string, number> = { t: meta.times, c: meta.channels, z: meta.depth, y: meta.height, x: meta.width };
  return { root, meta, dtype, names, shape: names.map((n) => sizes[n]) };
}

/** .zgroup, .zattrs (multiscales, omero, n2s) and 0/.zarray of a layout, written into `store`. */
async function writeHyperMetadata(store: AtomicFileStore, l: HyperZarrLayout, opts: { software: string; description?: string; extra?: Record<string, unknown> }): Promise<void> {
  const { meta, names } = l;
  const v2dtype = V2_DTYPE[l.dtype];
  if (!v2dtype) throw new StackFileError(l.root, `cannot write dtype ${l.dtype} to Zarr`);
  const chunks = names.map((n, i) => (n === 'y' || n === 'x' ? Math.min(256, l.shape[i]) : 1));
  const vs = meta.voxelSize;
  const spaceUnit = SPACE_OUT[vs.unit];
  const tUnit = meta.timeIncrement ? TIME_OUT[meta.timeIncrement.unit] : undefined;
  const axes = names.map((n) => {
    if (n === 't') return { name: 't', type: 'time', ...(tUnit ? { unit: tUnit } : {}) };
    if (n === 'c') return { name: 'c', type: 'channel' };
    return { name: n, type: 'space', ...(spaceUnit ? { unit: spaceUnit } : {}) };
  });
  const scaleOf: Record<string, number> = { t: meta.timeIncrement && tUnit ? meta.timeIncrement.value : 1, c: 1, z: vs.z, y: vs.y, x: vs.x };
  const omero = meta.channelMeta.some((c) => c.name || c.color || c.display)
    ? {
      channels: meta.channelMeta.map((c, i) => ({
        label: c.name ?? `C${i}`,
        ...(c.color ? { color: c.color } : {}),
        active: true,
        ...(c.display ? { window: { start: c.display.min, end: c.display.max, min: Math.min(c.display.min, 0), max: c.display.max } } : {}),
      })),
      rdefs: { model: 'color' },
    }
    : undefined;
  await store.set('/.zgroup', asciiJson({ zarr_format: 2 }));
  await store.set('/0/.zarray', asciiJson({
    zarr_format: 2, shape: l.shape, chunks, dtype: v2dtype, compressor: { id: 'zlib', level: 5 }, fill_value: 0, order: 'C', filters: null, dimension_separator: '/',
  }));
  await store.set('/.zattrs', asciiJson({
    multiscales: [{ version: '0.4', name: meta.name, axes, datasets: [{ path: '0', coordinateTransformations: [{ type: 'scale', scale: names.map((n) => scaleOf[n]) }] }] }],
    ...(omero ? { omero } : {}),
    n2s: { software: opts.software, ...(opts.description ? { description: opts.description } : {}), layout: { names, shape: l.shape, dtype: l.dtype }, ...(opts.extra ?? {}) },
  }));
}

/** Writes plane (t, c, z) into the array of a layout (one chunk, written atomically); returns values clipped. */
export async function writeHyperZarrPlane(l: HyperZarrLayout, t: number, c: number, z: number, data: Float32Array): Promise<number> {
  const { meta, names } = l;
  const hw = meta.height * meta.width;
  if (data.length !== hw) throw new Error(`plane t=${t} c=${c} z=${z} has ${data.length} values, expected ${hw}`);
  const arr = await zarr.open.v2(zarr.root(new AtomicFileStore(l.root)).resolve('0'), { kind: 'array' });
  const at: Record<string, number> = { t, c, z };
  const out = cast(l.dtype, data);
  await zarr.set(arr, names.map((n) => (n === 'y' || n === 'x' ? null : zarr.slice(at[n], at[n] + 1))), {
    data: out.data as never,
    shape: names.map((n) => (n === 'y' ? meta.height : n === 'x' ? meta.width : 1)),
    stride: names.map((n) => (n === 'y' ? meta.width : n === 'x' ? 1 : hw)),
  });
  return out.clipped;
}

/**
 * Creates (or, for a rerun or another shard of the same run, reopens) an NGFF image written in
 * place, plane by plane, by several processes: claimed with the owner marker and marked incomplete
 * until finishZarr (zarr.ts) sees every range done. A folder n2s did not write is refused; an
 * image of ours with another layout is refused (choose another output).
 */
export async function createZarrHyperstackInPlace(
  path: string,
  meta: HyperstackMeta,
  opts: { dtype: DType; software: string; description?: string; extra?: Record<string, unknown> },
): Promise<HyperZarrLayout> {
  const root = resolve(path);
  if (FILE_NAME.test(basename(root))) throw new StackFileError(path, FILE_NAME_PROBLEM);
  const l = hyperLayout(root, meta, opts.dtype);
  const store = new AtomicFileStore(root);
  if (existsSync(root)) {
    if (!(await isOwnedFolder(root))) {
      if ((await fsp.readdir(root)).length > 0) throw new StackFileError(path, 'is an existing folder that n2s did not write; refusing to write into it (choose a new output name)');
    } else {
      const prev = (await readJson(join(root, '.zattrs'))) as { n2s?: { layout?: unknown } } | undefined;
      const want = { names: l.names, shape: l.shape, dtype: l.dtype };
      if (prev !== undefined && JSON.stringify(prev.n2s?.layout) !== JSON.stringify(want)) {
        throw new StackFileError(path, 'already holds an n2s output with another shape or dtype; choose another output');
      }
      if (prev !== undefined) return l;
    }
  } else {
    const parent = dirname(root);
    if (!existsSync(parent)) throw new StackFileError(path, `output folder ${parent} does not exist`);
    await fsp.mkdir(root).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
  await store.set(`/${OWNER_MARKER}`, new TextEncoder().encode(ownerMarkerText('ome-zarr')));
  await store.set(`/${INCOMPLETE_MARKER}`, new TextEncoder().encode(incompleteText()));
  await writeHyperMetadata(store, l, opts);
  return l;
}

/**
 * Writes every plane of a hyperstack as an NGFF 0.4 image with the source's axes (in t, c, z
 * order, as NGFF requires), omero channels and scales. As writeZarr does (zarr.ts): built in a
 * hidden folder next to `path` carrying the owner and incomplete markers, published under `path`
 * only when complete, replacing only a file or a volume n2s wrote and only with overwrite.
 * Returns how many values were clipped to fit an integer dtype.
 */
export async function writeZarrHyperstack(
  path: string,
  meta: HyperstackMeta,
  plane: (t: number, c: number, z: number) => Promise<Float32Array>,
  opts: ZarrHyperWriteOptions,
  onPlane?: () => void,
): Promise<number> {
  const root = resolve(path);
  if (!V2_DTYPE[opts.dtype]) throw new StackFileError(root, `cannot write dtype ${opts.dtype} to Zarr`);
  if (FILE_NAME.test(basename(root))) throw new StackFileError(path, FILE_NAME_PROBLEM);
  const inputs = [meta.sourcePath, ...(opts.protect ?? [])];
  await checkOutputPath(root, { overwrite: opts.overwrite, inputs });
  await removeDeadPartialFolders(root);
  const tmp = tempNameFor(root, 'n2s-partial');
  const release = registerTemp(tmp);
  let done = false;
  try {
    await fsp.mkdir(tmp);
    const store = new AtomicFileStore(tmp);
    await store.set(`/${OWNER_MARKER}`, new TextEncoder().encode(ownerMarkerText('ome-zarr')));
    await store.set(`/${INCOMPLETE_MARKER}`, new TextEncoder().encode(incompleteText()));
    const l = hyperLayout(tmp, meta, opts.dtype);
    await writeHyperMetadata(store, l, opts);
    let clipped = 0;
    for (let t = 0; t < meta.times; t++) {
      for (let c = 0; c < meta.channels; c++) {
        for (let zi = 0; zi < meta.depth; zi++) {
          clipped += await writeHyperZarrPlane(l, t, c, zi, await plane(t, c, zi));
          onPlane?.();
        }
      }
    }
    await fsp.unlink(join(tmp, INCOMPLETE_MARKER));
    const state = await checkOutputPath(root, { overwrite: opts.overwrite, inputs });
    await publishFolder(tmp, root, path, state);
    done = true;
    return clipped;
  } finally {
    // Only our own hidden temporary folder is ever removed here, never the target.
    if (!done) await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
    release();
  }
}
