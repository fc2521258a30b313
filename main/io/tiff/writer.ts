/**
 * A small TIFF writer for single-channel ZYX stacks: one page per plane, one uncompressed strip
 * per page, little-endian, classic TIFF or BigTIFF.
 *
 * Why our own: geotiff's writeArrayBuffer writes one GeoTIFF image (a single IFD, geo keys, whole
 * file in memory, no BigTIFF), so it cannot write ImageJ hyperstacks, multi-page OME-TIFF or files
 * over 4 GB; no maintained npm package does (utif2 writes 8-bit RGBA pages only).
 *
 * Layout: header, pixel data of every plane, then all IFDs with their values. Putting the IFDs
 * last lets one streaming pass compute min/max (which ImageJ's description needs) while planes
 * are written; the header's first-IFD offset is patched at the end. TIFF allows IFDs anywhere.
 * The planes must stay back to back with no padding: ImageJ reads only the first IFD of a file
 * whose description says images=N and takes the N planes as contiguous from its strip offset
 * (ij.io.TiffDecoder "ignore extra IFDs in ImageJ and NIH Image stacks").
 */
import type { FileHandle } from 'node:fs/promises';

export type TiffSampleType = 'uint8' | 'uint16' | 'int16' | 'float32';

export interface TiffPlanes {
  depth: number;
  height: number;
  width: number;
  plane(z: number): Promise<Float32Array> | Float32Array;
}

export interface TiffWriteSpec {
  dtype: TiffSampleType;
  /** Description of the first page, composed once the value range is known. */
  describe(range: { min: number; max: number }): string;
  software?: string;
  /** Pixels per unit along X and Y; unit as TIFF ResolutionUnit (1 none, 2 inch, 3 cm). */
  resolution?: { x: number; y: number; unit: 1 | 2 | 3 };
  bigTiff: boolean;
  /** ImageJ's own metadata tags: "Info" (Image › Show Info) and a label per plane. */
  imagejMetadata?: { info?: string; labels?: string[]; ranges?: number[]; luts?: Uint8Array[] };
  onProgress?: (done: number, total: number) => void;
}

export interface TiffWriteResult {
  bytes: number;
  /** Values rounded/limited to fit an integer dtype that were out of range or NaN. */
  clipped: number;
  min: number;
  max: number;
}

const BYTES: Record<TiffSampleType, number> = { uint8: 1, uint16: 2, int16: 2, float32: 4 };
const RANGE: Record<TiffSampleType, [number, number]> = { uint8: [0, 255], uint16: [0, 65535], int16: [-32768, 32767], float32: [-Infinity, Infinity] };

/** Exact-enough size estimate used to decide on BigTIFF before writing. */
export function estimateTiffBytes(p: { depth: number; height: number; width: number }, dtype: TiffSampleType, descriptionBytes: number): number {
  return 16 + p.depth * (p.height * p.width * BYTES[dtype] + 400) + descriptionBytes;
}

/** Converts a plane to the output sample type; returns the count of values that had to change. */
function encodePlane(src: Float32Array, dtype: TiffSampleType, out: Buffer, stats: { min: number; max: number }): number {
  const [lo, hi] = RANGE[dtype];
  let clipped = 0;
  let mn = stats.min;
  let mx = stats.max;
  if (dtype === 'float32') {
    const f = new Float32Array(out.buffer, out.byteOffset, src.length);
    f.set(src);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
  } else {
    const view = dtype === 'uint8' ? out : dtype === 'uint16' ? new Uint16Array(out.buffer, out.byteOffset, src.length) : new Int16Array(out.buffer, out.byteOffset, src.length);
    for (let i = 0; i < src.length; i++) {
      let v = Math.round(src[i]);
      if (!(v >= lo)) {
        // NaN lands here too and becomes the lowest value.
        if (v !== lo) clipped++;
        v = lo;
      } else if (v > hi) {
        clipped++;
        v = hi;
      }
      view[i] = v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
  }
  stats.min = mn;
  stats.max = mx;
  return clipped;
}

/** Best rational approximation p/q of x with p, q < 2^32 (continued fractions). */
export function toRational(x: number): [number, number] {
  if (!(x > 0) || !Number.isFinite(x)) return [1, 1];
  const LIMIT = 0xffffffff;
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  let v = x;
  for (let i = 0; i < 40; i++) {
    const a = Math.floor(v);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (h2 > LIMIT || k2 > LIMIT) break;
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    const frac = v - a;
    if (frac < 1e-12 || Math.abs(h1 / k1 - x) <= Math.abs(x) * 1e-15) break;
    v = 1 / frac;
  }
  return k1 === 0 ? [Math.min(LIMIT, Math.round(x)), 1] : [h1, k1];
}

export interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Little-endian bytes of the value(s). */
  data: Buffer;
}

const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const ASCII = 2;
const LONG8 = 16;
const BYTE = 1;

function shortE(tag: number, v: number): Entry {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return { tag, type: SHORT, count: 1, data: b };
}
function longE(tag: number, v: number): Entry {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return { tag, type: LONG, count: 1, data: b };
}
function offsetE(tag: number, v: number, big: boolean): Entry {
  if (!big) return longE(tag, v);
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return { tag, type: LONG8, count: 1, data: b };
}
function rationalE(tag: number, v: number): Entry {
  const [p, q] = toRational(v);
  const b = Buffer.alloc(8);
  b.writeUInt32LE(p, 0);
  b.writeUInt32LE(q, 4);
  return { tag, type: RATIONAL, count: 1, data: b };
}
function asciiE(tag: number, s: string): Entry {
  const data = Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
  return { tag, type: ASCII, count: data.length, data };
}

/**
 * ImageJ's IJMetadata tags (50838 byte counts, 50839 data), in the layout ImageJ's TiffEncoder
 * and tifffile write: magic "IJIJ", (type, count) pairs, then UTF-16 strings; little-endian files
 * reverse the four-character codes ("JIJI", "ofni", "lbal").
 */
export function imagejMetadataEntries(meta: { info?: string; labels?: string[]; ranges?: number[]; luts?: Uint8Array[] }): Entry[] {
  const header: Buffer[] = [Buffer.from('JIJI', 'latin1')];
  const body: Buffer[] = [];
  const counts: number[] = [];
  const utf16 = (t: string) => Buffer.from(t, 'utf16le');
  const add = (code: string, values: (string | Buffer)[]) => {
    const h = Buffer.alloc(8);
    h.write([...code].reverse().join(''), 0, 'latin1');
    h.writeUInt32LE(values.length, 4);
    header.push(h);
    for (const v of values) {
      const b = typeof v === 'string' ? utf16(v) : v;
      body.push(b);
      counts.push(b.length);
    }
  };
  if (meta.info !== undefined) add('info', [meta.info]);
  if (meta.labels?.length) add('labl', meta.labels);
  if (meta.ranges?.length) {
    // As ImageJ writes them: every channel's (min, max) as doubles in one entry.
    const b = Buffer.alloc(8 * meta.ranges.length);
    meta.ranges.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
    add('rang', [b]);
  }
  if (meta.luts?.length) add('luts', meta.luts.map((l) => Buffer.from(l.buffer, l.byteOffset, l.byteLength)));
  const head = Buffer.concat(header);
  const countBuf = Buffer.alloc(4 * (counts.length + 1));
  [head.length, ...counts].forEach((c, i) => countBuf.writeUInt32LE(c, 4 * i));
  const data = Buffer.concat([head, ...body]);
  return [
    { tag: 50838, type: LONG, count: counts.length + 1, data: countBuf },
    { tag: 50839, type: BYTE, count: data.length, data },
  ];
}

/** Serialises one IFD at `at` (values that do not fit inline follow it); returns its bytes. */
function encodeIfd(entries: Entry[], at: number, next: number, big: boolean): Buffer {
  entries.sort((a, b) => a.tag - b.tag);
  const entrySize = big ? 20 : 12;
  const inline = big ? 8 : 4;
  const headSize = (big ? 8 : 2) + entries.length * entrySize + (big ? 8 : 4);
  const extras: Buffer[] = [];
  let extraPos = at + headSize;
  const head = Buffer.alloc(headSize);
  let p = 0;
  if (big) head.writeBigUInt64LE(BigInt(entries.length), p);
  else head.writeUInt16LE(entries.length, p);
  p += big ? 8 : 2;
  for (const e of entries) {
    head.writeUInt16LE(e.tag, p);
    head.writeUInt16LE(e.type, p + 2);
    if (big) head.writeBigUInt64LE(BigInt(e.count), p + 4);
    else head.writeUInt32LE(e.count, p + 4);
    const vp = p + (big ? 12 : 8);
    if (e.data.length <= inline) {
      e.data.copy(head, vp);
    } else {
      if (big) head.writeBigUInt64LE(BigInt(extraPos), vp);
      else head.writeUInt32LE(extraPos, vp);
      // Word-align out-of-line values, as the TIFF spec recommends.
      const padded = e.data.length % 2 ? Buffer.concat([e.data, Buffer.alloc(1)]) : e.data;
      extras.push(padded);
      extraPos += padded.length;
    }
    p += entrySize;
  }
  if (big) head.writeBigUInt64LE(BigInt(next), p);
  else head.writeUInt32LE(next, p);
  return Buffer.concat([head, ...extras]);
}

/** Writes the whole TIFF into `fh` (an empty file opened for writing). */
export async function writeTiff(fh: FileHandle, planes: TiffPlanes, spec: TiffWriteSpec): Promise<TiffWriteResult> {
  const { depth, height, width } = planes;
  const big = spec.bigTiff;
  const bps = BYTES[spec.dtype];
  const planeBytes = height * width * bps;
  const header = Buffer.alloc(big ? 16 : 8);
  header.write('II', 0, 'latin1');
  if (big) {
    header.writeUInt16LE(43, 2);
    header.writeUInt16LE(8, 4);
  } else {
    header.writeUInt16LE(42, 2);
  }
  let pos = header.length;
  const dataOffsets: number[] = [];
  const stats = { min: Infinity, max: -Infinity };
  let clipped = 0;
  const buf = Buffer.alloc(planeBytes);
  for (let z = 0; z < depth; z++) {
    const src = await planes.plane(z);
    if (src.length !== height * width) throw new Error(`plane ${z} has ${src.length} values, expected ${height * width}`);
    clipped += encodePlane(src, spec.dtype, buf, stats);
    await fh.write(buf, 0, planeBytes, pos);
    dataOffsets.push(pos);
    pos += planeBytes;
    if (!big && pos > 0xffffffff) throw new Error('data exceed 4 GB in a classic TIFF; BigTIFF should have been chosen');
    spec.onProgress?.(z + 1, depth);
  }
  if (pos % 2) pos += 1;
  const firstIfd = pos;
  if (depth === 0) throw new Error('cannot write a stack with zero planes');
  const min = Number.isFinite(stats.min) ? stats.min : 0;
  const max = Number.isFinite(stats.max) ? stats.max : 0;
  const description = spec.describe({ min, max });
  const sampleFormat = spec.dtype === 'float32' ? 3 : spec.dtype === 'int16' ? 2 : 1;
  for (let z = 0; z < depth; z++) {
    const entries: Entry[] = [
      longE(254, 0),
      longE(256, width),
      longE(257, height),
      shortE(258, bps * 8),
      shortE(259, 1),
      shortE(262, 1),
      offsetE(273, dataOffsets[z], big),
      shortE(277, 1),
      longE(278, height),
      offsetE(279, planeBytes, big),
      shortE(339, sampleFormat),
    ];
    if (z === 0) {
      entries.push(asciiE(270, description));
      if (spec.software) entries.push(asciiE(305, spec.software));
      const ijm = spec.imagejMetadata;
      if (ijm && (ijm.info !== undefined || ijm.labels?.length || ijm.ranges?.length || ijm.luts?.length)) {
        entries.push(...imagejMetadataEntries(ijm));
      }
    }
    if (spec.resolution) {
      entries.push(rationalE(282, spec.resolution.x), rationalE(283, spec.resolution.y), shortE(296, spec.resolution.unit));
    }
    // The size of this IFD is independent of `next`, so encode once to learn it, then for real.
    const size = encodeIfd(entries.slice(), pos, 0, big).length;
    const next = z === depth - 1 ? 0 : pos + size + (size % 2);
    const ifd = encodeIfd(entries, pos, next, big);
    await fh.write(ifd, 0, ifd.length, pos);
    pos += size + (size % 2);
    if (!big && pos > 0xffffffff) throw new Error('file exceeds 4 GB in a classic TIFF; BigTIFF should have been chosen');
  }
  if (big) header.writeBigUInt64LE(BigInt(firstIfd), 8);
  else header.writeUInt32LE(firstIfd, 4);
  await fh.write(header, 0, header.length, 0);
  return { bytes: pos, clipped, min, max };
}
