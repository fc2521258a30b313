/**
 * OME-Zarr hyperstacks: every time point and channel of an NGFF image (axes such as tczyx, czyx,
 * tzyx), with the omero channel metadata (label, color, window) and the time step (the t axis's
 * scale and unit). Read: NGFF 0.4 on Zarr v2 and 0.5 on Zarr v3; write: NGFF 0.4 on Zarr v2 (what
 * python3-zarr 2.13, napari and ome-zarr-py read), one chunk per plane so any plane can be read or
 * written alone. zarr.ts keeps the single-stack reader and the sharded in-place writer.
 */
import * as zarr from 'zarrita';
import FileSystemStore from '@zarrita/storage/fs';
import { promises as fsp, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { DType, VoxelSize } from '../../shared/stack.ts';
import { canonicalTimeUnit, type ChannelMeta, type HyperstackMeta } from '../../shared/hyperstack.ts';
import { AtomicFileStore } from './zarr.ts';
import { StackFileError } from './errors.ts';

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
    return JSON.parse(await fsp.readFile(path, 'utf8')) as unknown;
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
  const { attrs, v3 } = await readAttrs(root);
  const ms = attrs.multiscales[0];
  const names = ms.axes.map((a) => (typeof a === 'string' ? a : a.name).toLowerCase());
  const at = (n: string) => names.indexOf(n);
  if (at('y') < 0 || at('x') < 0) throw new StackFileError(root, `axes ${names.join('')} have no y and x`);
  const unknown = names.filter((n) => !'tczyx'.includes(n) || n.length !== 1);
  if (unknown.length) throw new StackFileError(root, `axis "${unknown[0]}" is not one of t, c, z, y, x`);
  const store = new FileSystemStore(root);
  const loc = zarr.root(store).resolve(ms.datasets[0].path);
  let arr: zarr.Array<zarr.DataType, FileSystemStore>;
  try {
    arr = v3 ? await zarr.open.v3(loc, { kind: 'array' }) : await zarr.open.v2(loc, { kind: 'array' });
  } catch (e) {
    throw new StackFileError(root, `array "${ms.datasets[0].path}" cannot be opened (${(e as Error).message.split('\n')[0]})`);
  }
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
      const got = await zarr.get(arr, sel);
      const src = got.data as ArrayLike<number>;
      const out = new Float32Array(meta.height * meta.width);
      // y before x in NGFF, so the remaining 2-D selection is already row-major YX.
      for (let i = 0; i < out.length; i++) out[i] = Number(src[i]);
      return out;
    },
    close: async () => {},
  };
}

function cast(dtype: DType, src: Float32Array): ArrayLike<number> {
  const ranges: Partial<Record<DType, [number, number, new (n: number) => Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array]>> = {
    uint8: [0, 255, Uint8Array], uint16: [0, 65535, Uint16Array], int16: [-32768, 32767, Int16Array], uint32: [0, 4294967295, Uint32Array], int32: [-2147483648, 2147483647, Int32Array],
  };
  const r = ranges[dtype];
  if (r) {
    const [lo, hi, T] = r;
    const out = new T(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      out[i] = Number.isNaN(v) ? lo : Math.min(hi, Math.max(lo, Math.round(v)));
    }
    return out;
  }
  return dtype === 'float64' ? Float64Array.from(src) : src;
}

export interface ZarrHyperWriteOptions {
  dtype: DType;
  software: string;
  description?: string;
}

/** ASCII JSON: python3-zarr 2.13 decodes metadata as ASCII, so µ and names are \u-escaped. */
function asciiJson(o: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(o, null, 2).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * Writes every plane of a hyperstack as an NGFF 0.4 image with the source's axes (in t, c, z
 * order, as NGFF requires), omero channels and scales. The volume is built in a hidden folder
 * next to `path` and renamed to `path` when complete, so a half-written image never has the name.
 * `path` must not exist (the caller has checked the output rules).
 */
export async function writeZarrHyperstack(
  path: string,
  meta: HyperstackMeta,
  plane: (t: number, c: number, z: number) => Promise<Float32Array>,
  opts: ZarrHyperWriteOptions,
  onPlane?: () => void,
): Promise<void> {
  const root = resolve(path);
  const v2dtype = V2_DTYPE[opts.dtype];
  if (!v2dtype) throw new StackFileError(root, `cannot write dtype ${opts.dtype} to Zarr`);
  if (existsSync(root)) throw new StackFileError(root, 'already exists; choose a new name for the OME-Zarr output');
  // Keep the source's leading axes when they exist there; T/C/Z longer than 1 are always written.
  const present = (a: string) => meta.axes.includes(a) || (a === 'T' ? meta.times > 1 : a === 'C' ? meta.channels > 1 : true);
  const lead = ['T', 'C', 'Z'].filter(present);
  const names = [...lead, 'Y', 'X'].map((a) => a.toLowerCase());
  const sizes: Record<string, number> = { t: meta.times, c: meta.channels, z: meta.depth, y: meta.height, x: meta.width };
  const shape = names.map((n) => sizes[n]);
  const chunks = names.map((n) => (n === 'y' || n === 'x' ? Math.min(256, sizes[n]) : 1));
  const vs = meta.voxelSize;
  const spaceUnit = SPACE_OUT[vs.unit];
  const tUnit = meta.timeIncrement ? TIME_OUT[meta.timeIncrement.unit] : undefined;
  const axes = names.map((n) => {
    if (n === 't') return { name: 't', type: 'time', ...(tUnit ? { unit: tUnit } : {}) };
    if (n === 'c') return { name: 'c', type: 'channel' };
    return { name: n, type: 'space', ...(spaceUnit ? { unit: spaceUnit } : {}) };
  });
  const scaleOf: Record<string, number> = { t: meta.timeIncrement && tUnit ? meta.timeIncrement.value : 1, c: 1, z: vs.z, y: vs.y, x: vs.x };
  const omero = meta.channels > 0 && meta.channelMeta.some((c) => c.name || c.color || c.display)
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
  const tmp = join(dirname(root), `.${basename(root)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await fsp.mkdir(tmp);
  let done = false;
  try {
    const store = new AtomicFileStore(tmp);
    await store.set('/.zgroup', asciiJson({ zarr_format: 2 }));
    await store.set('/0/.zarray', asciiJson({
      zarr_format: 2, shape, chunks, dtype: v2dtype, compressor: { id: 'zlib', level: 5 }, fill_value: 0, order: 'C', filters: null, dimension_separator: '/',
    }));
    await store.set('/.zattrs', asciiJson({
      multiscales: [{ version: '0.4', name: meta.name, axes, datasets: [{ path: '0', coordinateTransformations: [{ type: 'scale', scale: names.map((n) => scaleOf[n]) }] }] }],
      ...(omero ? { omero } : {}),
      n2s: { software: opts.software, ...(opts.description ? { description: opts.description } : {}) },
    }));
    const arr = await zarr.open.v2(zarr.root(store).resolve('0'), { kind: 'array' });
    const hw = meta.height * meta.width;
    for (let t = 0; t < meta.times; t++) {
      for (let c = 0; c < meta.channels; c++) {
        for (let zi = 0; zi < meta.depth; zi++) {
          const data = await plane(t, c, zi);
          if (data.length !== hw) throw new Error(`plane t=${t} c=${c} z=${zi} has ${data.length} values, expected ${hw}`);
          const at: Record<string, number> = { t, c, z: zi };
          const sel = names.map((n) => (n === 'y' || n === 'x' ? null : zarr.slice(at[n], at[n] + 1)));
          await zarr.set(arr, sel, {
            data: cast(opts.dtype, data) as never,
            shape: names.map((n) => (n === 'y' ? meta.height : n === 'x' ? meta.width : 1)),
            stride: names.map((n) => (n === 'y' ? meta.width : n === 'x' ? 1 : hw)),
          });
          onPlane?.();
        }
      }
    }
    if (existsSync(root)) throw new StackFileError(root, 'appeared while it was being written (another job?); refusing to replace it');
    await fsp.rename(tmp, root);
    done = true;
  } finally {
    // Only our own hidden temporary folder is ever removed, never the target.
    if (!done) await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}
