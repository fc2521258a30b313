/**
 * OME-Zarr (NGFF) volumes: read NGFF 0.4 on Zarr v2 and NGFF 0.5 on Zarr v3 through zarrita,
 * write NGFF 0.4 on Zarr v2 (what Debian's python3-zarr 2.13, napari and ome-zarr-py read).
 *
 * zarrita does the chunk I/O (indexing, codec pipeline). Two gaps are filled here:
 * - zarrita cannot *encode* zlib/gzip ("Unsupported: zlib encode"), so we register codecs backed
 *   by Node's zlib under the same names;
 * - zarrita only creates v3 arrays, so the v2 metadata (.zgroup/.zattrs/.zarray) is written here.
 * Every chunk is written to a temporary name and renamed, so a killed writer never leaves a
 * half-written chunk behind. A whole volume (writeZarr) is written in a hidden temporary folder
 * that carries INCOMPLETE_MARKER and is renamed to its name only when complete; a volume written
 * in place (createZarr + writeZarrPlanes, the sharded denoise) carries the marker until its shards
 * are all done. openZarr refuses a volume with the marker (main/io/README.md, "Safety").
 */
import * as zarr from 'zarrita';
import FileSystemStore from '@zarrita/storage/fs';
import { promises as fsp, existsSync, statSync } from 'node:fs';
import { deflateSync, inflateSync, gzipSync, gunzipSync } from 'node:zlib';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { DType, Stack, StackMeta, VoxelSize } from '../../shared/stack.ts';
import { StackFileError } from './errors.ts';
import { registerTemp, tempNameFor, zarrFaultPoint } from './atomic.ts';
import { checkedCodec, chunkBytes, storesRawChunks } from './zarr-checks.ts';
import { INCOMPLETE_MARKER, OWNER_MARKER, checkOutputPath, isOwnedFolder, ownerMarkerText, removeDeadPartialFolders, type OutputPathState } from './output-path.ts';

class NodeZlibCodec {
  kind = 'bytes_to_bytes' as const;
  constructor(private readonly level: number) {}
  static fromConfig(c: { level?: number }) {
    return new NodeZlibCodec(c.level ?? 5);
  }
  encode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(deflateSync(bytes, { level: this.level }));
  }
  decode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(inflateSync(bytes));
  }
}
class NodeGzipCodec {
  kind = 'bytes_to_bytes' as const;
  constructor(private readonly level: number) {}
  static fromConfig(c: { level?: number }) {
    return new NodeGzipCodec(c.level ?? 5);
  }
  encode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(gzipSync(bytes, { level: this.level }));
  }
  decode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(gunzipSync(bytes));
  }
}
type CodecFactory = Parameters<typeof zarr.registry.set>[1];
for (const name of ['zlib', 'numcodecs.zlib']) zarr.registry.set(name, (() => NodeZlibCodec) as unknown as CodecFactory);
for (const name of ['gzip', 'numcodecs.gzip']) zarr.registry.set(name, (() => NodeGzipCodec) as unknown as CodecFactory);
// Every compressor's output is checked against the chunk's size, Blosc's structure before decoding.
for (const name of ['blosc', 'numcodecs.blosc', 'zstd', 'numcodecs.zstd', 'lz4', 'numcodecs.lz4', 'zlib', 'numcodecs.zlib', 'gzip', 'numcodecs.gzip']) {
  const load = zarr.registry.get(name);
  if (!load) continue;
  zarr.registry.set(name, (async () => checkedCodec(name, (await load()) as unknown as Parameters<typeof checkedCodec>[1])) as unknown as CodecFactory);
}

/**
 * A read-only store that checks the size of uncompressed chunk files (no codec does it for them):
 * a short or padded file is an error, not zeros. Metadata files pass unchecked.
 */
class CheckedReadStore extends FileSystemStore {
  rawChunkBytes: number | undefined;
  constructor(readonly rootDir: string) {
    super(rootDir);
  }
  override async get(key: `/${string}`): Promise<Uint8Array | undefined> {
    // A chunk that is a FIFO or a device would block or never end: regular files only.
    const st = await fsp.stat(join(this.rootDir, key.slice(1))).catch(() => undefined);
    if (st && !st.isFile()) throw new Error(`${key.slice(1)} is not a regular file`);
    if (st && st.size > MAX_CHUNK_BYTES * 2) throw new Error(`${key.slice(1)} is ${st.size} bytes, larger than any chunk`);
    const bytes = await super.get(key);
    const name = key.slice(key.lastIndexOf('/') + 1);
    if (bytes && this.rawChunkBytes !== undefined && !name.startsWith('.') && name !== 'zarr.json' && bytes.length !== this.rawChunkBytes) {
      throw new Error(`uncompressed chunk of ${bytes.length} bytes, ${this.rawChunkBytes} expected (short or corrupt chunk)`);
    }
    return bytes;
  }
}

/** Codecs handled by zarrita itself rather than through the registry. */
const BUILT_IN_CODECS = new Set(['bytes', 'sharding_indexed']);
/** Largest plane n2s reads (float32 in memory): 2^29 pixels, 2 GiB. */
const MAX_PLANE_PIXELS = 2 ** 29;
/** Largest chunk decoded in one piece: 1 GiB. */
const MAX_CHUNK_BYTES = 2 ** 30;

/** A file-system store whose writes are atomic (temporary file in the same folder, then rename). */
export class AtomicFileStore extends FileSystemStore {
  constructor(readonly rootDir: string) {
    super(rootDir);
  }
  override async set(key: string, value: Uint8Array): Promise<void> {
    const fp = join(this.rootDir, key.replace(/^\//, ''));
    await fsp.mkdir(dirname(fp), { recursive: true });
    const tmp = `${fp}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const release = registerTemp(tmp);
    try {
      await fsp.writeFile(tmp, value);
      await fsp.rename(tmp, fp);
    } catch (e) {
      await fsp.unlink(tmp).catch(() => {});
      throw e;
    } finally {
      release();
    }
  }
}

const ZARR_DTYPES: Record<string, DType> = {
  uint8: 'uint8',
  uint16: 'uint16',
  int16: 'int16',
  uint32: 'uint32',
  int32: 'int32',
  float32: 'float32',
  float64: 'float64',
};
const V2_DTYPE: Partial<Record<DType, string>> = {
  uint8: '|u1',
  uint16: '<u2',
  int16: '<i2',
  uint32: '<u4',
  int32: '<i4',
  float32: '<f4',
  float64: '<f8',
};

const Axis = z.object({ name: z.string(), type: z.string().optional(), unit: z.string().optional() });
const Transform = z.object({ type: z.string(), scale: z.array(z.number()).optional(), translation: z.array(z.number()).optional() });
const Multiscale = z.object({
  version: z.string().optional(),
  name: z.string().optional(),
  axes: z.array(z.union([Axis, z.string()])),
  datasets: z.array(z.object({ path: z.string(), coordinateTransformations: z.array(Transform).optional() })).min(1),
  coordinateTransformations: z.array(Transform).optional(),
});
const OmeAttrs = z.object({ multiscales: z.array(Multiscale).min(1) }).passthrough();
type Multiscale = z.infer<typeof Multiscale>;

export interface ZarrOpenOptions {
  channel?: number;
  time?: number;
  /** Index into multiscales.datasets (0 = full resolution). */
  level?: number;
}

/** Lazy access to a Z-stack inside an OME-Zarr volume: planes are read chunk by chunk on demand. */
export interface ZarrStackSource {
  depth: number;
  height: number;
  width: number;
  meta: StackMeta;
  /** Chunk size along z of the selected array (planes per chunk), for chunk-aligned shards. */
  chunkDepth: number;
  readPlane(z: number): Promise<Float32Array>;
  /** Planes [z0, z1) as one ZYX array. */
  readPlanes(z0: number, z1: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export function isZarrPath(p: string): boolean {
  if (/\.zarr\/?$/i.test(p)) return true;
  try {
    return statSync(p).isDirectory() && ['.zattrs', 'zarr.json', INCOMPLETE_MARKER].some((m) => existsSync(join(p, m)));
  } catch {
    return false;
  }
}

/**
 * The text of a metadata file (.zattrs, .zarray, zarr.json), or undefined if it does not exist. A
 * FIFO or a device in its place would block or never end: regular files only, and bounded.
 */
export async function readMetadataText(path: string): Promise<string | undefined> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  if (!st.isFile()) throw new Error(`${basename(path)} is not a regular file`);
  if (st.size > 64 << 20) throw new Error(`${basename(path)} is ${st.size} bytes, too large for metadata`);
  return fsp.readFile(path, 'utf8');
}

async function readJson(path: string): Promise<unknown> {
  try {
    const text = await readMetadataText(path);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

/** The NGFF multiscales block of a group, from .zattrs (v2, NGFF ≤ 0.4) or zarr.json (v3, NGFF 0.5). */
async function readMultiscales(root: string): Promise<{ ms: Multiscale; zarrFormat: 2 | 3 }> {
  const v2 = await readJson(join(root, '.zattrs'));
  const v3 = await readJson(join(root, 'zarr.json'));
  let attrs: unknown;
  let zarrFormat: 2 | 3;
  if (v3 !== undefined) {
    zarrFormat = 3;
    const a = (v3 as { attributes?: { ome?: unknown; multiscales?: unknown } }).attributes;
    attrs = a?.ome ?? a;
  } else if (v2 !== undefined) {
    zarrFormat = 2;
    attrs = v2;
  } else {
    throw new Error(`${root}: not an OME-Zarr group (no .zattrs or zarr.json)`);
  }
  const parsed = OmeAttrs.safeParse(attrs);
  if (!parsed.success) throw new Error(`${root}: no valid NGFF "multiscales" metadata (${parsed.error.issues[0]?.message})`);
  return { ms: parsed.data.multiscales[0], zarrFormat };
}

function axisNames(ms: Multiscale): string[] {
  return ms.axes.map((a) => (typeof a === 'string' ? a : a.name).toLowerCase());
}

function datasetScale(ms: Multiscale, level: number): number[] {
  const n = ms.axes.length;
  const scale = new Array<number>(n).fill(1);
  for (const t of ms.datasets[level].coordinateTransformations ?? []) {
    if (t.type === 'scale' && t.scale?.length === n) t.scale.forEach((s, i) => (scale[i] *= s));
  }
  for (const t of ms.coordinateTransformations ?? []) {
    if (t.type === 'scale' && t.scale?.length === n) t.scale.forEach((s, i) => (scale[i] *= s));
  }
  return scale;
}

const UNIT_ALIASES: Record<string, string> = { micrometer: 'micron', millimeter: 'mm', nanometer: 'nm', meter: 'm' };
const NGFF_UNITS: Record<string, string> = { micron: 'micrometer', um: 'micrometer', 'µm': 'micrometer', mm: 'millimeter', nm: 'nanometer', m: 'meter' };

interface ArrayJson {
  shape?: unknown;
  chunks?: unknown;
  compressor?: { id?: unknown } | null;
  filters?: { id?: unknown }[] | null;
  codecs?: { name?: unknown; configuration?: { codecs?: unknown } }[];
  chunk_grid?: { configuration?: { chunk_shape?: unknown } };
}

/** Codec names of a v3 codec list, with those nested in a sharding codec. */
function v3CodecNames(codecs: ArrayJson['codecs']): string[] {
  const out: string[] = [];
  for (const c of codecs ?? []) {
    if (typeof c?.name === 'string') out.push(c.name);
    const inner = c?.configuration?.codecs;
    if (Array.isArray(inner)) out.push(...v3CodecNames(inner as ArrayJson['codecs']));
  }
  return out;
}

/**
 * The array's metadata read before zarrita opens it, so that an unknown compressor or a malformed
 * shape is one sentence (not an error deep in a chunk read).
 */
async function checkArrayMetadata(root: string, datasetPath: string, zarrFormat: 2 | 3, path: string): Promise<ArrayJson> {
  const file = join(root, datasetPath, zarrFormat === 3 ? 'zarr.json' : '.zarray');
  let meta: ArrayJson | undefined;
  try {
    meta = (await readJson(file)) as ArrayJson | undefined;
  } catch {
    throw new StackFileError(path, `array ${datasetPath}: ${basename(file)} is not valid JSON`);
  }
  if (meta === undefined || meta === null || typeof meta !== 'object') throw new StackFileError(path, `array ${datasetPath} is missing (no ${basename(file)})`);
  const names = zarrFormat === 3
    ? v3CodecNames(meta.codecs)
    : [...(meta.filters ?? []).map((f) => `numcodecs.${String(f?.id)}`), ...(meta.compressor ? [`numcodecs.${String(meta.compressor.id)}`] : [])];
  for (const n of names) {
    if (BUILT_IN_CODECS.has(n) || zarr.registry.has(n)) continue;
    const known = [...zarr.registry.keys()].filter((k) => k.startsWith('numcodecs.')).map((k) => k.slice(10)).join(', ');
    throw new StackFileError(path, `array ${datasetPath} uses the codec "${n.replace(/^numcodecs\./, '')}", which n2s cannot decode (known: ${known})`);
  }
  const shape = zarrFormat === 3 ? meta.shape : meta.shape;
  const chunks = zarrFormat === 3 ? meta.chunk_grid?.configuration?.chunk_shape : meta.chunks;
  const ints = (v: unknown) => Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);
  if (!ints(shape)) throw new StackFileError(path, `array ${datasetPath} has an invalid shape ${JSON.stringify(shape)}`);
  if (!ints(chunks) || (chunks as number[]).some((c) => c < 1)) throw new StackFileError(path, `array ${datasetPath} has an invalid chunk shape ${JSON.stringify(chunks)} (every chunk size must be ≥ 1)`);
  if ((chunks as number[]).length !== (shape as number[]).length) throw new StackFileError(path, `array ${datasetPath}: chunk shape ${JSON.stringify(chunks)} does not match shape ${JSON.stringify(shape)}`);
  return meta;
}

/** Sizes n2s can hold: a plane in memory, a chunk decoded in one piece. */
function checkShape(path: string, datasetPath: string, shape: number[], chunks: number[], names: string[]): void {
  if (shape.some((n) => n === 0)) throw new StackFileError(path, `array ${datasetPath} is empty (shape ${shape.join('×')})`);
  const iy = names.indexOf('y');
  const ix = names.indexOf('x');
  if (shape[iy] * shape[ix] > MAX_PLANE_PIXELS) {
    throw new StackFileError(path, `planes of ${shape[iy]}×${shape[ix]} pixels are larger than n2s reads (at most ${MAX_PLANE_PIXELS / 2 ** 20} Mpixel)`);
  }
  const bytes = chunks.reduce((a, b) => a * b, 8);
  if (bytes > MAX_CHUNK_BYTES * 8) throw new StackFileError(path, `array ${datasetPath} has chunks of ${chunks.join('×')} values, too large to decode (at most ${MAX_CHUNK_BYTES / 2 ** 20} MiB per chunk)`);
}

/**
 * A failed read as one sentence naming the chunk: zarrita's error does not say which chunk, so
 * the chunks of the selection are read one by one to find it (only on this error path).
 */
async function chunkError(
  path: string,
  datasetPath: string,
  arr: zarr.Array<zarr.DataType, FileSystemStore>,
  names: string[],
  sel: (number | zarr.Slice | null)[],
  e: unknown,
): Promise<StackFileError> {
  const why = (x: unknown): string => {
    const err = x as Error & { cause?: unknown };
    const inner = err?.cause instanceof Error ? err.cause.message : undefined;
    return (inner ?? (err instanceof Error ? err.message : String(x))).split('\n')[0];
  };
  const ranges = sel.map((s, i) => {
    const c = arr.chunks[i];
    if (s === null) return [0, Math.ceil(arr.shape[i] / c) - 1];
    if (typeof s === 'number') return [Math.floor(s / c), Math.floor(s / c)];
    return [Math.floor((s.start ?? 0) / c), Math.floor(((s.stop ?? arr.shape[i]) - 1) / c)];
  });
  const coords: number[][] = [[]];
  for (const [a, b] of ranges) {
    const next: number[][] = [];
    for (const prefix of coords) for (let k = a; k <= b && next.length < 4096; k++) next.push([...prefix, k]);
    coords.splice(0, coords.length, ...next);
  }
  for (const c of coords) {
    try {
      await arr.getChunk(c);
    } catch (inner) {
      return new StackFileError(path, `chunk ${datasetPath}/${c.join('.')} (${names.join('')} ${c.join(', ')}) cannot be decoded: ${why(inner)}`);
    }
  }
  return new StackFileError(path, `array ${datasetPath} cannot be read: ${why(e)}`);
}

/**
 * Opens array `datasetPath` of the volume at `root` (axes `names`) with every check of this
 * module: known codecs, sane shape and chunk sizes (one sentence each, naming the array), chunk
 * sizes verified after decoding, uncompressed chunk files checked for their size. Readers of
 * other layouts (zarr-hyperstack.ts) open their arrays here too.
 */
export async function openCheckedArray(
  root: string,
  datasetPath: string,
  zarrFormat: 2 | 3,
  path: string,
  names: string[],
): Promise<zarr.Array<zarr.DataType, FileSystemStore>> {
  const arrayMeta = await checkArrayMetadata(root, datasetPath, zarrFormat, path);
  const store = new CheckedReadStore(root);
  const loc = zarr.root(store).resolve(datasetPath);
  let arr: zarr.Array<zarr.DataType, FileSystemStore>;
  try {
    arr = zarrFormat === 3 ? await zarr.open.v3(loc, { kind: 'array' }) : await zarr.open.v2(loc, { kind: 'array' });
  } catch (e) {
    throw new StackFileError(path, `array ${datasetPath} cannot be opened: ${(e as Error).message.split('\n')[0]}`);
  }
  if (arr.shape.length !== names.length) throw new StackFileError(path, `array has ${arr.shape.length} dimensions but ${names.length} axes`);
  checkShape(path, datasetPath, arr.shape, arr.chunks, names);
  if (storesRawChunks(arrayMeta, zarrFormat)) store.rawChunkBytes = chunkBytes({ shape: arr.chunks, dataType: arr.dtype });
  return arr;
}

/** zarr.get of a selection; a failure is one sentence naming the chunk that failed. */
export async function getChecked(
  path: string,
  datasetPath: string,
  arr: zarr.Array<zarr.DataType, FileSystemStore>,
  names: string[],
  sel: (number | zarr.Slice | null)[],
): Promise<{ data: unknown }> {
  try {
    return await zarr.get(arr, sel);
  } catch (e) {
    throw await chunkError(path, datasetPath, arr, names, sel, e);
  }
}

/** The done-marker file of planes [z0, z1) of a sharded denoise (the naming of main/shard). */
function shardDoneMarker(root: string, r: { z0: number; z1: number }): string {
  return join(root, '.n2s', 'done', `z${String(r.z0).padStart(7, '0')}-${String(r.z1).padStart(7, '0')}.done`);
}

/**
 * Why the OME-Zarr at `root` is not complete, or undefined when it is: it carries
 * INCOMPLETE_MARKER unless every chunk range of a sharded denoise that writes it in place is done.
 */
export async function zarrIncomplete(root: string): Promise<string | undefined> {
  if (!existsSync(join(root, INCOMPLETE_MARKER))) return undefined;
  const manifest = (await readJson(join(root, '.n2s', 'manifest.json')).catch(() => undefined)) as { kind?: unknown; ranges?: unknown } | undefined;
  if (manifest?.kind === 'zarr' && Array.isArray(manifest.ranges)) {
    const ranges = manifest.ranges as { z0: number; z1: number }[];
    const done = ranges.filter((r) => existsSync(shardDoneMarker(root, r))).length;
    if (done === ranges.length && ranges.length > 0) return undefined;
    return `is incomplete: ${done} of ${ranges.length} chunk ranges of a sharded n2s denoise are written (see n2s status --output ${basename(root)}; run the missing shards)`;
  }
  return 'is incomplete: an n2s write into it was interrupted or is still running (write it again)';
}

/**
 * Removes INCOMPLETE_MARKER from a volume written in place once it is complete (for the sharded
 * denoise after its last range); returns whether the volume is complete.
 */
export async function finishZarr(path: string): Promise<boolean> {
  const root = resolve(path);
  if ((await zarrIncomplete(root)) !== undefined) return false;
  await fsp.unlink(join(root, INCOMPLETE_MARKER)).catch(() => {});
  return true;
}

export async function openZarr(path: string, opts: ZarrOpenOptions = {}): Promise<ZarrStackSource> {
  const root = resolve(path);
  if (!existsSync(root)) throw new StackFileError(path, 'no such file or folder');
  const incomplete = await zarrIncomplete(root);
  if (incomplete) throw new StackFileError(path, incomplete);
  const { ms, zarrFormat } = await readMultiscales(root);
  const level = opts.level ?? 0;
  if (level < 0 || level >= ms.datasets.length) throw new Error(`${path}: level ${level} does not exist (${ms.datasets.length} levels)`);
  const names = axisNames(ms);
  const iz = names.indexOf('z');
  const iy = names.indexOf('y');
  const ix = names.indexOf('x');
  if (iy < 0 || ix < 0) throw new Error(`${path}: axes ${names.join('')} have no y and x`);
  const ic = names.indexOf('c');
  const it = names.indexOf('t');
  const datasetPath = ms.datasets[level].path;
  const arr = await openCheckedArray(root, datasetPath, zarrFormat, path, names);
  const shape = arr.shape;
  const dtype = ZARR_DTYPES[arr.dtype];
  if (!dtype) throw new Error(`${path}: unsupported data type ${arr.dtype}`);
  const pick = (axis: number, v: number | undefined, flag: string): number => {
    if (axis < 0) return 0;
    const size = shape[axis];
    const val = v ?? 0;
    if (v === undefined && size > 1) {
      // Several channels/time points: the caller must choose; default to the first, as info says.
    }
    if (val < 0 || val >= size) throw new Error(`${path}: ${flag} ${val} out of range (0…${size - 1})`);
    return val;
  };
  const c = pick(ic, opts.channel, '--channel');
  const t = pick(it, opts.time, '--time');
  const depth = iz >= 0 ? shape[iz] : 1;
  const height = shape[iy];
  const width = shape[ix];
  const scale = datasetScale(ms, level);
  const axisUnit = (i: number): string | undefined => {
    const a = ms.axes[i];
    return typeof a === 'string' ? undefined : a.unit;
  };
  const rawUnit = axisUnit(ix) ?? axisUnit(iy) ?? 'pixel';
  const voxelSize: VoxelSize = {
    z: iz >= 0 ? scale[iz] : 1,
    y: scale[iy],
    x: scale[ix],
    unit: UNIT_ALIASES[rawUnit] ?? rawUnit,
  };
  const meta: StackMeta = {
    name: basename(root),
    sourcePath: root,
    dtype,
    voxelSize,
    flavour: 'zarr',
    sourceAxes: names.join('').toUpperCase(),
    sourceShape: [...shape],
    ...(ic >= 0 ? { channel: c } : {}),
    ...(it >= 0 ? { time: t } : {}),
    description: ms.name,
  };
  const chunkDepth = iz >= 0 ? arr.chunks[iz] : 1;
  const readPlanes = async (z0: number, z1: number): Promise<Float32Array> => {
    if (z0 < 0 || z1 > depth || z1 <= z0) throw new Error(`${path}: planes ${z0}…${z1 - 1} out of range`);
    const sel = names.map((_, i) => {
      if (i === iz) return zarr.slice(z0, z1);
      if (i === ic) return c;
      if (i === it) return t;
      return null;
    });
    const chunk = await getChecked(path, datasetPath, arr, names, sel);
    const src = chunk.data as ArrayLike<number>;
    // zarrita returns C-ordered data for the selection; with z before y and x (NGFF requires
    // the spatial axes last, z y x) the remaining axes are already ZYX.
    const out = new Float32Array((z1 - z0) * height * width);
    for (let i = 0; i < out.length; i++) out[i] = Number(src[i]);
    return out;
  };
  return {
    depth,
    height,
    width,
    meta,
    chunkDepth,
    readPlanes,
    readPlane: (zi) => readPlanes(zi, zi + 1),
    close: async () => {},
  };
}

export interface ZarrWriteOptions {
  /** Chunk shape [z, y, x]; defaults to one plane × up to 256 × 256. */
  chunks?: [number, number, number];
  dtype?: DType;
  /** Pyramid levels (1 = full resolution only); each further level halves y and x. */
  levels?: number;
  overwrite?: boolean;
  /** Free text stored as the multiscale's name / description. */
  name?: string;
  /** Extra attributes stored under "n2s" in .zattrs (e.g. denoising parameters). */
  extra?: Record<string, unknown>;
  /** Inputs of the job: the output may not be, contain or lie inside any of them (writeZarr). */
  protect?: (string | undefined)[];
  /** The name the volume will have once published (createZarr on a temporary folder). */
  finalPath?: string;
}

/** Output names that promise a file: an OME-Zarr folder is never written under them. */
export const FILE_NAME = /\.(tiff?|nii|nii\.gz|png|csv|json|txt)$/i;
export const FILE_NAME_PROBLEM = 'is named like a file (.tif/.nii/…), not an OME-Zarr folder; name the output .zarr, or give a .tif/.nii name to write that format';

export function incompleteText(): string {
  return JSON.stringify({ software: 'Noise2Stack Studio', pid: process.pid, started: new Date().toISOString(), note: 'being written; readers refuse this volume until the marker is gone' }) + '\n';
}

/**
 * What is at `root` for a volume written in place: nothing or an empty folder ('fresh', created
 * here), or an OME-Zarr this tool wrote ('owned'). Anything else (a file, a user's folder) is refused.
 */
async function prepareInPlace(root: string, path: string): Promise<'fresh' | 'owned'> {
  let st;
  try {
    st = await fsp.lstat(root);
  } catch {
    const parent = dirname(root);
    if (!existsSync(parent)) throw new StackFileError(path, `output folder ${parent} does not exist`);
    await fsp.mkdir(root).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    return (await isOwnedFolder(root)) ? 'owned' : 'fresh';
  }
  if (!st.isDirectory()) throw new StackFileError(path, 'exists and is not a folder; refusing to write an OME-Zarr over it');
  if (await isOwnedFolder(root)) return 'owned';
  if ((await fsp.readdir(root)).length === 0) return 'fresh';
  throw new StackFileError(path, 'is an existing folder that n2s did not write; refusing to write into it (choose a new output name)');
}

export interface ZarrLayout {
  root: string;
  depth: number;
  height: number;
  width: number;
  dtype: DType;
  chunks: [number, number, number];
  levels: number;
}

/**
 * Create the group and empty arrays (metadata only) of an NGFF 0.4 / Zarr v2 volume. Shards of a
 * sharded run all call this; it writes identical metadata, so concurrent calls are harmless.
 */
export async function createZarr(
  path: string,
  shape: { depth: number; height: number; width: number },
  voxelSize: VoxelSize,
  opts: ZarrWriteOptions = {},
): Promise<ZarrLayout> {
  const root = resolve(path);
  const dtype = opts.dtype ?? 'float32';
  const v2dtype = V2_DTYPE[dtype];
  if (!v2dtype) throw new Error(`cannot write dtype ${dtype} to Zarr`);
  const levels = Math.max(1, opts.levels ?? 1);
  const chunks: [number, number, number] = opts.chunks ?? [1, Math.min(256, shape.height), Math.min(256, shape.width)];
  if (chunks.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`invalid chunk shape ${chunks.join('×')}`);
  if (FILE_NAME.test(basename(root))) throw new StackFileError(path, FILE_NAME_PROBLEM);
  const state = await prepareInPlace(root, path);
  if (state === 'owned' && !opts.overwrite) {
    const prev = (await readJson(join(root, '.zattrs'))) as { n2s?: { layout?: unknown } } | undefined;
    const layout = { depth: shape.depth, height: shape.height, width: shape.width, dtype, chunks, levels };
    if (prev !== undefined && JSON.stringify(prev?.n2s?.layout) !== JSON.stringify(layout)) {
      throw new StackFileError(path, 'already exists with another layout (use --overwrite to replace it)');
    }
  }
  const store = new AtomicFileStore(root);
  // Claimed (owner marker) and marked incomplete before any metadata exists, so neither a rerun nor
  // a reader ever mistakes a half-made volume for a user folder or for a complete one.
  if (state === 'fresh' || opts.overwrite) {
    if (state === 'fresh') await store.set(`/${OWNER_MARKER}`, new TextEncoder().encode(ownerMarkerText('ome-zarr')));
    await store.set(`/${INCOMPLETE_MARKER}`, new TextEncoder().encode(incompleteText()));
  }
  // python3-zarr 2.13 decodes metadata as ASCII: escape everything else (units like µm, names).
  const enc = (o: unknown) =>
    new TextEncoder().encode(JSON.stringify(o, null, 2).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`));
  const unit = NGFF_UNITS[voxelSize.unit] ?? (voxelSize.unit === 'pixel' ? undefined : voxelSize.unit);
  const axes = ['z', 'y', 'x'].map((name) => ({ name, type: 'space', ...(unit ? { unit } : {}) }));
  const datasets = [];
  for (let l = 0; l < levels; l++) {
    const f = 2 ** l;
    datasets.push({ path: String(l), coordinateTransformations: [{ type: 'scale', scale: [voxelSize.z, voxelSize.y * f, voxelSize.x * f] }] });
    const h = Math.max(1, Math.floor(shape.height / f));
    const w = Math.max(1, Math.floor(shape.width / f));
    await store.set(`/${l}/.zarray`, enc({
      zarr_format: 2,
      shape: [shape.depth, h, w],
      chunks: [chunks[0], Math.min(chunks[1], h), Math.min(chunks[2], w)],
      dtype: v2dtype,
      compressor: { id: 'zlib', level: 5 },
      fill_value: 0,
      order: 'C',
      filters: null,
      dimension_separator: '/',
    }));
  }
  await store.set('/.zgroup', enc({ zarr_format: 2 }));
  await store.set('/.zattrs', enc({
    multiscales: [{ version: '0.4', name: opts.name ?? basename(opts.finalPath ?? root), axes, datasets, type: 'mean (2x2 in y, x)' }],
    n2s: { software: 'Noise2Stack Studio', layout: { depth: shape.depth, height: shape.height, width: shape.width, dtype, chunks, levels }, ...(opts.extra ?? {}) },
  }));
  return { root, depth: shape.depth, height: shape.height, width: shape.width, dtype, chunks, levels };
}

function castTo(dtype: DType, src: Float32Array): ArrayLike<number> & { length: number } {
  const clip = (lo: number, hi: number, T: new (n: number) => Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array) => {
    const out = new T(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      out[i] = Number.isNaN(v) ? 0 : Math.min(hi, Math.max(lo, Math.round(v)));
    }
    return out;
  };
  switch (dtype) {
    case 'uint8': return clip(0, 255, Uint8Array);
    case 'uint16': return clip(0, 65535, Uint16Array);
    case 'int16': return clip(-32768, 32767, Int16Array);
    case 'uint32': return clip(0, 4294967295, Uint32Array);
    case 'int32': return clip(-2147483648, 2147483647, Int32Array);
    case 'float64': return Float64Array.from(src);
    default: return src;
  }
}

/** 2×2 mean downsampling of each plane of a ZYX block (for pyramid levels). */
function downsample2(src: Float32Array, d: number, h: number, w: number): { data: Float32Array; h: number; w: number } {
  const h2 = Math.max(1, Math.floor(h / 2));
  const w2 = Math.max(1, Math.floor(w / 2));
  const out = new Float32Array(d * h2 * w2);
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h2; y++) {
      for (let x = 0; x < w2; x++) {
        const b = z * h * w;
        const y0 = Math.min(2 * y, h - 1), y1 = Math.min(2 * y + 1, h - 1);
        const x0 = Math.min(2 * x, w - 1), x1 = Math.min(2 * x + 1, w - 1);
        out[z * h2 * w2 + y * w2 + x] = (src[b + y0 * w + x0] + src[b + y0 * w + x1] + src[b + y1 * w + x0] + src[b + y1 * w + x1]) / 4;
      }
    }
  }
  return { data: out, h: h2, w: w2 };
}

/**
 * Write planes [z0, z0+d) (ZYX float32) into every level of a volume made by createZarr. z0 and d
 * should be aligned to the z chunk size so that writers of different ranges never touch the same
 * chunk file.
 */
export async function writeZarrPlanes(layout: ZarrLayout, z0: number, block: Float32Array): Promise<void> {
  const planeSize = layout.height * layout.width;
  const d = block.length / planeSize;
  if (!Number.isInteger(d) || z0 < 0 || z0 + d > layout.depth) throw new Error(`planes ${z0}…${z0 + d - 1} do not fit the volume`);
  const store = new AtomicFileStore(layout.root);
  let data = block;
  let h = layout.height;
  let w = layout.width;
  for (let l = 0; l < layout.levels; l++) {
    if (l > 0) ({ data, h, w } = downsample2(data, d, h, w));
    const arr = await zarr.open.v2(zarr.root(store).resolve(String(l)), { kind: 'array' });
    await zarr.set(arr, [zarr.slice(z0, z0 + d), null, null], {
      data: castTo(layout.dtype, data) as never,
      shape: [d, h, w],
      stride: [h * w, w, 1],
    });
  }
}

/**
 * Puts the finished temporary folder `tmp` at `root`. A replaced output (a file, or a volume of
 * ours) is first moved aside and removed only after the new one is in place.
 */
export async function publishFolder(tmp: string, root: string, path: string, state: OutputPathState): Promise<void> {
  if (state.existing === 'none') {
    // rename() of a folder fails on an existing non-empty folder or a file: the name is never
    // taken from anything that appeared meanwhile (an empty folder holds nothing to lose).
    try {
      await fsp.rename(tmp, root);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') {
        throw new StackFileError(path, 'appeared while it was being written (another job?); refusing to replace it');
      }
      throw e;
    }
    return;
  }
  const aside = tempNameFor(root, 'n2s-old');
  const release = registerTemp(aside);
  try {
    await fsp.rename(root, aside);
    await fsp.rename(tmp, root);
    if (state.existing === 'owned-folder') await fsp.rm(aside, { recursive: true, force: true });
    else await fsp.unlink(aside);
  } finally {
    release();
  }
}

/**
 * Write a whole in-memory stack as OME-Zarr: into a hidden temporary folder marked incomplete,
 * published under `path` only when complete. Refuses what checkOutputPath refuses (an existing
 * output without overwrite, any folder n2s did not write, an input or a folder holding one).
 */
export async function writeZarr(path: string, stack: Stack, opts: ZarrWriteOptions = {}): Promise<ZarrLayout> {
  const root = resolve(path);
  if (FILE_NAME.test(basename(root))) throw new StackFileError(path, FILE_NAME_PROBLEM);
  const inputs = [stack.meta.sourcePath, ...(opts.protect ?? [])];
  await checkOutputPath(root, { overwrite: opts.overwrite, inputs });
  await removeDeadPartialFolders(root);
  const tmp = tempNameFor(root, 'n2s-partial');
  const release = registerTemp(tmp);
  let published = false;
  try {
    await fsp.mkdir(tmp);
    const layout = await createZarr(tmp, stack, stack.meta.voxelSize, { dtype: opts.dtype ?? stack.meta.dtype, ...opts, overwrite: false, finalPath: root });
    const cz = layout.chunks[0];
    const n = stack.height * stack.width;
    for (let z0 = 0, k = 1; z0 < stack.depth; z0 += cz, k++) {
      const z1 = Math.min(stack.depth, z0 + cz);
      await writeZarrPlanes(layout, z0, stack.data.subarray(z0 * n, z1 * n));
      zarrFaultPoint(k);
    }
    await fsp.unlink(join(tmp, INCOMPLETE_MARKER));
    const state = await checkOutputPath(root, { overwrite: opts.overwrite, inputs });
    await publishFolder(tmp, root, path, state);
    published = true;
    return { ...layout, root };
  } finally {
    if (!published) await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
    release();
  }
}

/** Read a whole OME-Zarr Z-stack into memory. */
export async function readZarr(path: string, opts: ZarrOpenOptions = {}): Promise<Stack> {
  const src = await openZarr(path, opts);
  const data = await src.readPlanes(0, src.depth);
  return { depth: src.depth, height: src.height, width: src.width, data, meta: src.meta };
}
