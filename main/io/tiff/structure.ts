/**
 * TIFF structure: header and IFD chain, parsed and validated up front.
 *
 * Why our own parser and not geotiff's: geotiff parses IFDs lazily and trusts every offset, so a
 * truncated or corrupt file fails late (mid-read, sometimes with an unrelated TypeError) or, with
 * an IFD cycle, never. Here every IFD, tag and strip/tile extent is checked against the file size
 * before a plane is decoded, and each failure becomes one sentence. Pixel decompression is in
 * decode.ts.
 */
import type { FileHandle } from 'node:fs/promises';

export const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
  /** ImageJ's IJMetadata: byte counts, then the data (Info, slice labels, ROIs, LUTs, ...). */
  IJMetadataByteCounts: 50838,
  IJMetadata: 50839,
} as const;

/** Larger IJMetadata (big overlays or ROI sets) is skipped; we only want Info and labels. */
const MAX_IJ_METADATA = 16 << 20;

/** Byte size of one value of each TIFF field type (0 = unknown type). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

/** Tags whose values we load; others are skipped without reading (they may be huge). */
const WANTED = new Set<number>(Object.values(TAG));

/** Upper bounds that make absurd headers fail fast instead of allocating or looping. */
const MAX_IFD_ENTRIES = 4096;
const MAX_PAGES = 1_000_000;
const MAX_DIM = 1 << 20;
/** Largest plane n2s reads: 2^29 pixels (2 GiB as float32). */
const MAX_PLANE_PIXELS = 2 ** 29;

export interface Ifd {
  /** Offset of this IFD in the file. */
  offset: number;
  width: number;
  height: number;
  bitsPerSample: number;
  samplesPerPixel: number;
  /** 1 uint, 2 int, 3 float. */
  sampleFormat: number;
  compression: number;
  photometric: number;
  planar: number;
  predictor: number;
  subfileType: number;
  /** ExtraSamples values: 0 unspecified, 1 associated alpha, 2 unassociated alpha. */
  extraSamples: number[];
  description?: string;
  software?: string;
  /** ImageJ's IJMetadata blob and its byte counts, when present. */
  ijMetadata?: { counts: number[]; data: Buffer };
  xResolution?: number;
  yResolution?: number;
  resolutionUnit: number;
  /** Blocks (strips or tiles) in file order. */
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
  offsets: number[];
  byteCounts: number[];
}

export interface TiffStructure {
  path: string;
  size: number;
  littleEndian: boolean;
  bigTiff: boolean;
  ifds: Ifd[];
}

/** A structural fault; the caller prefixes the file name. */
export class TiffFormatError extends Error {}

type Value = number[] | string;

/** Metadata reads are small and clustered (IFDs of consecutive pages), so they go through a
 * small cache of 64 KB blocks: a 5000-page file then costs a few dozen reads, not 15 000. */
const BLOCK = 1 << 16;
const MAX_BLOCKS = 64;

class Reader {
  private readonly blocks = new Map<number, Buffer>();

  constructor(
    readonly fh: FileHandle,
    readonly size: number,
    readonly le: boolean,
    readonly big: boolean,
  ) {}

  async bytes(offset: number, length: number, what: string): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new TiffFormatError(`${what} at byte ${offset} (+${length}) lies beyond the end of the file (${this.size} bytes); the file is truncated or corrupt`);
    }
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((offset + Math.max(0, length - 1)) / BLOCK);
    if (last - first > 1) {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await this.fh.read(buf, 0, length, offset);
      if (bytesRead !== length) throw new TiffFormatError(`short read of ${what} at byte ${offset}`);
      return buf;
    }
    const parts: Buffer[] = [];
    for (let b = first; b <= last; b++) parts.push(await this.block(b));
    const joined = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    const start = offset - first * BLOCK;
    return joined.subarray(start, start + length);
  }

  private async block(index: number): Promise<Buffer> {
    const hit = this.blocks.get(index);
    if (hit) return hit;
    const start = index * BLOCK;
    const len = Math.min(BLOCK, this.size - start);
    const buf = Buffer.alloc(len);
    const { bytesRead } = await this.fh.read(buf, 0, len, start);
    if (bytesRead !== len) throw new TiffFormatError(`short read at byte ${start}`);
    if (this.blocks.size >= MAX_BLOCKS) this.blocks.delete(this.blocks.keys().next().value as number);
    this.blocks.set(index, buf);
    return buf;
  }

  num(buf: Buffer, pos: number, type: number): number {
    const le = this.le;
    switch (type) {
      case 1: case 2: case 7: return buf.readUInt8(pos);
      case 6: return buf.readInt8(pos);
      case 3: return le ? buf.readUInt16LE(pos) : buf.readUInt16BE(pos);
      case 8: return le ? buf.readInt16LE(pos) : buf.readInt16BE(pos);
      case 4: case 13: return le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
      case 9: return le ? buf.readInt32LE(pos) : buf.readInt32BE(pos);
      case 11: return le ? buf.readFloatLE(pos) : buf.readFloatBE(pos);
      case 12: return le ? buf.readDoubleLE(pos) : buf.readDoubleBE(pos);
      case 5: case 10: {
        const rd = (p: number) => (type === 5 ? (le ? buf.readUInt32LE(p) : buf.readUInt32BE(p)) : le ? buf.readInt32LE(p) : buf.readInt32BE(p));
        const den = rd(pos + 4);
        return den === 0 ? NaN : rd(pos) / den;
      }
      case 16: case 17: case 18: {
        const v = le ? buf.readBigUInt64LE(pos) : buf.readBigUInt64BE(pos);
        return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
      }
      default:
        throw new TiffFormatError(`unknown TIFF field type ${type}`);
    }
  }

  offsetAt(buf: Buffer, pos: number): number {
    return this.big ? this.num(buf, pos, 16) : this.num(buf, pos, 4);
  }
}

/** Parses the header and all IFDs of an open TIFF file; throws TiffFormatError on any fault. */
export async function parseTiff(fh: FileHandle, path: string): Promise<TiffStructure> {
  const size = (await fh.stat()).size;
  if (size < 8) throw new TiffFormatError(`file is ${size} bytes long, too short to be a TIFF`);
  const head = Buffer.alloc(16);
  await fh.read(head, 0, Math.min(16, size), 0);
  const order = head.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') throw new TiffFormatError('not a TIFF file (no II/MM byte-order mark)');
  const le = order === 'II';
  const magic = le ? head.readUInt16LE(2) : head.readUInt16BE(2);
  if (magic !== 42 && magic !== 43) throw new TiffFormatError(`not a TIFF file (version ${magic}, expected 42 or 43)`);
  const big = magic === 43;
  if (big && size < 16) throw new TiffFormatError('BigTIFF header truncated');
  const r = new Reader(fh, size, le, big);
  let next = big ? r.num(head, 8, 16) : r.num(head, 4, 4);
  const ifds: Ifd[] = [];
  const seen = new Set<number>();
  while (next !== 0) {
    if (seen.has(next)) throw new TiffFormatError(`IFD chain loops back to byte ${next}`);
    if (ifds.length >= MAX_PAGES) throw new TiffFormatError(`more than ${MAX_PAGES} pages`);
    seen.add(next);
    const { ifd, nextOffset } = await parseIfd(r, next, ifds.length);
    ifds.push(ifd);
    next = nextOffset;
  }
  if (ifds.length === 0) throw new TiffFormatError('the file holds no images (zero pages)');
  return { path, size, littleEndian: le, bigTiff: big, ifds };
}

async function parseIfd(r: Reader, offset: number, index: number): Promise<{ ifd: Ifd; nextOffset: number }> {
  const where = `IFD ${index}`;
  const countSize = r.big ? 8 : 2;
  const entrySize = r.big ? 20 : 12;
  const countBuf = await r.bytes(offset, countSize, where);
  const n = r.big ? r.num(countBuf, 0, 16) : r.num(countBuf, 0, 3);
  if (n === 0 || n > MAX_IFD_ENTRIES) throw new TiffFormatError(`${where} declares ${n} entries`);
  const body = await r.bytes(offset + countSize, n * entrySize + (r.big ? 8 : 4), where);
  const tags = new Map<number, Value>();
  const blobs = new Map<number, Buffer>();
  for (let i = 0; i < n; i++) {
    const p = i * entrySize;
    const tag = r.num(body, p, 3);
    if (!WANTED.has(tag)) continue;
    const type = r.num(body, p + 2, 3);
    const count = r.big ? r.num(body, p + 4, 16) : r.num(body, p + 4, 4);
    const unit = TYPE_SIZE[type];
    if (!unit) throw new TiffFormatError(`${where}: tag ${tag} has unknown field type ${type}`);
    const total = unit * count;
    if (tag === TAG.IJMetadata && total > MAX_IJ_METADATA) continue;
    const inline = r.big ? 8 : 4;
    let buf: Buffer;
    let pos: number;
    if (total <= inline) {
      buf = body;
      pos = p + (r.big ? 12 : 8);
    } else {
      const at = r.offsetAt(body, p + (r.big ? 12 : 8));
      buf = await r.bytes(at, total, `${where} tag ${tag}`);
      pos = 0;
    }
    if (tag === TAG.IJMetadata) {
      blobs.set(tag, Buffer.from(buf.subarray(pos, pos + total)));
    } else if (type === 2) {
      let s = buf.toString('latin1', pos, pos + total);
      const nul = s.indexOf('\0');
      if (nul >= 0) s = s.slice(0, nul);
      // Descriptions are UTF-8 in practice (OME-XML, ImageJ with µ); latin1 is the fallback.
      const utf = Buffer.from(s, 'latin1').toString('utf8');
      tags.set(tag, utf.includes('\uFFFD') ? s : utf);
    } else {
      const vals: number[] = new Array(count);
      for (let k = 0; k < count; k++) vals[k] = r.num(buf, pos + k * unit, type);
      tags.set(tag, vals);
    }
  }
  const nextOffset = r.offsetAt(body, n * entrySize);
  const ifd = buildIfd(tags, offset, where, r.size);
  const ij = blobs.get(TAG.IJMetadata);
  const ijCounts = list(tags, TAG.IJMetadataByteCounts);
  if (ij && ijCounts) ifd.ijMetadata = { counts: ijCounts, data: ij };
  return { ifd, nextOffset };
}

function first(tags: Map<number, Value>, tag: number, dflt?: number): number {
  const v = tags.get(tag);
  if (v === undefined || typeof v === 'string' || v.length === 0) {
    if (dflt === undefined) {
      const name = Object.entries(TAG).find(([, v]) => v === tag)?.[0] ?? 'unknown';
      throw new TiffFormatError(`required tag ${name} (${tag}) is missing`);
    }
    return dflt;
  }
  return v[0];
}

function list(tags: Map<number, Value>, tag: number): number[] | undefined {
  const v = tags.get(tag);
  return v === undefined || typeof v === 'string' ? undefined : v;
}

function str(tags: Map<number, Value>, tag: number): string | undefined {
  const v = tags.get(tag);
  return typeof v === 'string' ? v : undefined;
}

function buildIfd(tags: Map<number, Value>, offset: number, where: string, fileSize: number): Ifd {
  const width = first(tags, TAG.ImageWidth);
  const height = first(tags, TAG.ImageLength);
  if (!(width >= 1 && height >= 1 && width <= MAX_DIM && height <= MAX_DIM)) {
    throw new TiffFormatError(`${where}: absurd image size ${width}×${height}`);
  }
  // A plane is held as float32 in memory: refuse what cannot be (instead of a RangeError later).
  if (width * height > MAX_PLANE_PIXELS) {
    throw new TiffFormatError(`${where}: planes of ${width}×${height} pixels are larger than n2s reads (at most ${MAX_PLANE_PIXELS / 2 ** 20} Mpixel per plane)`);
  }
  const bps = list(tags, TAG.BitsPerSample) ?? [1];
  const spp = first(tags, TAG.SamplesPerPixel, 1);
  if (spp < 1 || spp > 64) throw new TiffFormatError(`${where}: absurd SamplesPerPixel ${spp}`);
  if (bps.some((b) => b !== bps[0])) throw new TiffFormatError(`${where}: samples of different bit depths are not supported`);
  const planar = first(tags, TAG.PlanarConfiguration, 1);
  const tiled = tags.has(TAG.TileOffsets);
  const blockWidth = tiled ? first(tags, TAG.TileWidth) : width;
  const rowsPerStrip = first(tags, TAG.RowsPerStrip, height);
  const blockHeight = tiled ? first(tags, TAG.TileLength) : Math.min(Math.max(1, rowsPerStrip), height);
  if (!(blockWidth >= 1 && blockHeight >= 1 && blockWidth <= MAX_DIM && blockHeight <= MAX_DIM)) {
    throw new TiffFormatError(`${where}: absurd tile size ${blockWidth}×${blockHeight}`);
  }
  if (blockWidth * blockHeight > MAX_PLANE_PIXELS) throw new TiffFormatError(`${where}: absurd tile size ${blockWidth}×${blockHeight}`);
  const offsets = list(tags, tiled ? TAG.TileOffsets : TAG.StripOffsets);
  const byteCounts = list(tags, tiled ? TAG.TileByteCounts : TAG.StripByteCounts);
  if (!offsets) throw new TiffFormatError(`${where}: no strip or tile offsets`);
  if (!byteCounts) throw new TiffFormatError(`${where}: no strip or tile byte counts`);
  const across = Math.ceil(width / blockWidth);
  const down = Math.ceil(height / blockHeight);
  const expected = across * down * (planar === 2 ? spp : 1);
  if (offsets.length !== expected || byteCounts.length !== expected) {
    throw new TiffFormatError(`${where}: ${offsets.length} data blocks listed, ${expected} expected for ${width}×${height}`);
  }
  for (let i = 0; i < expected; i++) {
    if (offsets[i] + byteCounts[i] > fileSize) {
      throw new TiffFormatError(`${where}: image data at byte ${offsets[i]} (+${byteCounts[i]}) lies beyond the end of the file (${fileSize} bytes); the file is truncated`);
    }
  }
  return {
    offset,
    width,
    height,
    bitsPerSample: bps[0],
    samplesPerPixel: spp,
    sampleFormat: first(tags, TAG.SampleFormat, 1),
    compression: first(tags, TAG.Compression, 1),
    photometric: first(tags, TAG.Photometric, 1),
    planar,
    predictor: first(tags, TAG.Predictor, 1),
    subfileType: first(tags, TAG.NewSubfileType, 0),
    extraSamples: list(tags, TAG.ExtraSamples) ?? [],
    description: str(tags, TAG.ImageDescription),
    software: str(tags, TAG.Software),
    xResolution: list(tags, TAG.XResolution)?.[0],
    yResolution: list(tags, TAG.YResolution)?.[0],
    resolutionUnit: first(tags, TAG.ResolutionUnit, 2),
    tiled,
    blockWidth,
    blockHeight,
    offsets,
    byteCounts,
  };
}
