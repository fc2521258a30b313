/**
 * Decodes one TIFF page (all its strips or tiles) into float32, one sample of the pixel.
 * Deflate goes through Node's zlib, LZW (lzw.ts) and PackBits through decoders of ours, all
 * bounded by the block's size and far faster than geotiff's pure-JS ones; Zstd and any other
 * codec geotiff registers are geotiff's. Byte order and the predictors are applied here because
 * geotiff's predictor assumes little-endian data.
 */
import type { FileHandle } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { getDecoder } from 'geotiff';
import { ZSTDDecoder } from 'zstddec/stream';
import type { DType } from '../../../shared/stack.ts';
import { decodeLzw } from './lzw.ts';
import { TiffFormatError, type Ifd } from './structure.ts';

type SampleKind = 'uint' | 'int' | 'float';

export interface SampleType {
  kind: SampleKind;
  bytes: number;
  /** The dtype reported for the file (int8/float16 widen to the nearest DType we track). */
  dtype: DType;
}

export function sampleType(ifd: Ifd): SampleType {
  const bits = ifd.bitsPerSample;
  const kind: SampleKind | undefined = ({ 1: 'uint', 2: 'int', 3: 'float', 4: 'uint' } as Record<number, SampleKind>)[ifd.sampleFormat];
  if (!kind) throw new TiffFormatError(`unsupported SampleFormat ${ifd.sampleFormat}`);
  const table: Record<string, DType> = {
    uint8: 'uint8', uint16: 'uint16', uint32: 'uint32',
    int8: 'int16', int16: 'int16', int32: 'int32',
    float16: 'float32', float32: 'float32', float64: 'float64',
  };
  const dtype = table[`${kind}${bits}`];
  if (!dtype) throw new TiffFormatError(`unsupported sample type: ${bits}-bit ${kind} (supported: 8/16/32-bit integers, 16/32/64-bit floats)`);
  return { kind, bytes: bits / 8, dtype };
}

const COMPRESSION_NAMES: Record<number, string> = { 1: 'none', 5: 'LZW', 8: 'Deflate', 32946: 'Deflate', 32773: 'PackBits', 50000: 'Zstd' };

export function checkCompression(ifd: Ifd): void {
  if (!(ifd.compression in COMPRESSION_NAMES)) {
    throw new TiffFormatError(`unsupported compression ${ifd.compression} (supported: none, LZW, Deflate, PackBits, Zstd)`);
  }
  if (ifd.predictor !== 1 && ifd.predictor !== 2 && ifd.predictor !== 3) {
    throw new TiffFormatError(`unsupported predictor ${ifd.predictor}`);
  }
}

interface BlockDecoder {
  /** `need`: the bytes this block must yield (fewer than the maximum for a short last strip). */
  decodeBlock(buffer: ArrayBuffer, need?: number): ArrayBuffer | Promise<ArrayBuffer>;
}

/**
 * Deflate goes through Node's zlib rather than geotiff's pako: native speed, and maxOutputLength
 * stops a corrupt or hostile stream from inflating far beyond the block's size.
 */
function deflateDecoder(maxBytes: number): BlockDecoder {
  return { decodeBlock: (buffer) => {
    const out = inflateSync(new Uint8Array(buffer), { maxOutputLength: maxBytes + 4096 });
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.length) as ArrayBuffer;
  } };
}

/**
 * PackBits (TIFF 6.0 §9) into a preallocated block: geotiff's decoder pushes every byte onto a JS
 * array (≈0.5 s per MB) and has no output bound; this stops at the block's size.
 */
function packBitsDecoder(maxBytes: number): BlockDecoder {
  return { decodeBlock: (buffer) => {
    const src = new Uint8Array(buffer);
    const out = new Uint8Array(maxBytes);
    let i = 0;
    let o = 0;
    while (i < src.length && o < maxBytes) {
      const n = (src[i++] << 24) >> 24;
      if (n >= 0) {
        const len = Math.min(n + 1, src.length - i, maxBytes - o);
        out.set(src.subarray(i, i + len), o);
        i += n + 1;
        o += len;
      } else if (n !== -128) {
        if (i >= src.length) break;
        const len = Math.min(1 - n, maxBytes - o);
        out.fill(src[i++], o, o + len);
        o += len;
      }
    }
    return out.buffer.slice(0, o);
  } };
}

/** geotiff's codecs may report problems with console.warn; we detect them by the short output. */
function quietly(dec: BlockDecoder): BlockDecoder {
  return { decodeBlock: (buffer) => {
    const warn = console.warn;
    console.warn = () => {};
    try {
      return dec.decodeBlock(buffer);
    } finally {
      console.warn = warn;
    }
  } };
}

/**
 * The frames of a Zstd stream, checked before decoding (RFC 8878 §3.1): magic numbers, reserved
 * bits, every block header inside the data, no reserved block type, the checksum present when
 * declared, and declared content sizes adding up to what the block must hold (`expected`: the
 * rows present, or a whole padded strip).
 */
export function checkZstdFrames(src: Uint8Array, expected: readonly number[]): void {
  const fail = (why: string): never => {
    throw new Error(`corrupt Zstd stream: ${why}`);
  };
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let p = 0;
  let declared = 0;
  let frames = 0;
  while (p < src.length) {
    if (src.length - p < 4) fail(`${src.length - p} stray bytes after frame ${frames}`);
    const magic = view.getUint32(p, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // A skippable frame: magic, 4-byte size, then that many bytes of user data.
      if (src.length - p < 8) fail('truncated skippable frame');
      p += 8 + view.getUint32(p + 4, true);
      if (p > src.length) fail('skippable frame runs past the end of the data');
      continue;
    }
    if (magic !== 0xfd2fb528) fail(frames === 0 ? 'not a Zstd frame (bad magic number)' : `bad magic number after frame ${frames}`);
    p += 4;
    if (p >= src.length) fail('truncated frame header');
    const fhd = src[p++];
    if (fhd & 0x08) fail('reserved bit set in the frame header');
    const fcsFlag = fhd >> 6;
    const single = (fhd >> 5) & 1;
    const checksum = (fhd >> 2) & 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3];
    const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag];
    const headerRest = (single ? 0 : 1) + dictBytes + fcsBytes;
    if (p + headerRest > src.length) fail('truncated frame header');
    p += (single ? 0 : 1) + dictBytes;
    let fcs = -1;
    if (fcsBytes === 1) fcs = src[p];
    else if (fcsBytes === 2) fcs = view.getUint16(p, true) + 256;
    else if (fcsBytes === 4) fcs = view.getUint32(p, true);
    else if (fcsBytes === 8) fcs = view.getUint32(p, true) + view.getUint32(p + 4, true) * 2 ** 32;
    p += fcsBytes;
    if (fcs < 0) declared = NaN;
    else declared += fcs;
    for (;;) {
      if (p + 3 > src.length) fail('truncated block header (the stream ends early)');
      const bh = src[p] | (src[p + 1] << 8) | (src[p + 2] << 16);
      p += 3;
      const last = bh & 1;
      const type = (bh >> 1) & 3;
      const size = bh >>> 3;
      if (type === 3) fail('reserved block type');
      if (size > 128 * 1024) fail(`block of ${size} bytes exceeds the 128 KiB limit`);
      p += type === 1 ? 1 : size;
      if (p > src.length) fail('a block runs past the end of the data (truncated)');
      if (last) break;
    }
    if (checksum) {
      if (p + 4 > src.length) fail('missing content checksum (truncated)');
      p += 4;
    }
    frames++;
  }
  if (frames === 0) fail('no frame');
  if (!Number.isNaN(declared) && !expected.includes(declared)) fail(`frames declare ${declared} bytes, the block holds ${expected[0]}`);
}

let zstd: ZSTDDecoder | undefined;

/**
 * Zstd through zstddec's one-shot decoder with the block's exact size as the output capacity, so a
 * corrupt stream, a wrong checksum or content of another size is an error (libzstd checks them;
 * its error results show as a short output here). geotiff's own wrapper asks the frame for its
 * size and falls back to a streaming decode that neither bounds memory nor reports errors.
 */
async function zstdDecoder(blockBytes: number): Promise<BlockDecoder> {
  if (!zstd) {
    const dec = new ZSTDDecoder();
    await dec.init();
    zstd = dec;
  }
  const z = zstd;
  return { decodeBlock: (buffer, need = blockBytes) => {
    const src = new Uint8Array(buffer);
    checkZstdFrames(src, [need, blockBytes]);
    const out = z.decode(src, blockBytes);
    if (out.length !== need && out.length !== blockBytes) throw new Error('corrupt Zstd stream (libzstd refused it: bad data, checksum or size)');
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.length) as ArrayBuffer;
  } };
}

async function decoderFor(ifd: Ifd, blockBytes: number): Promise<BlockDecoder | null> {
  if (ifd.compression === 1) return null;
  if (ifd.compression === 50000) return zstdDecoder(blockBytes);
  if (ifd.compression === 8 || ifd.compression === 32946) return deflateDecoder(blockBytes);
  if (ifd.compression === 32773) return packBitsDecoder(blockBytes);
  if (ifd.compression === 5) {
    return { decodeBlock: (buffer) => {
      const out = decodeLzw(new Uint8Array(buffer), blockBytes);
      return out.buffer.slice(0, out.length) as ArrayBuffer;
    } };
  }
  // Predictor 1 here: we undo the predictor ourselves after fixing the byte order.
  const dec = await getDecoder(ifd.compression, {
    tileWidth: ifd.blockWidth,
    tileHeight: ifd.blockHeight,
    predictor: 1,
    bitsPerSample: ifd.bitsPerSample,
    planarConfiguration: ifd.planar,
    samplesPerPixel: ifd.samplesPerPixel,
  });
  return quietly(dec as unknown as BlockDecoder);
}

/** Reads page `ifd` and returns sample `sample` of every pixel as float32 (length width*height). */
export async function decodePage(fh: FileHandle, ifd: Ifd, littleEndian: boolean, sample = 0): Promise<Float32Array> {
  checkCompression(ifd);
  const st = sampleType(ifd);
  const { width, height, blockWidth: bw, blockHeight: bh, samplesPerPixel: spp } = ifd;
  const contig = ifd.planar !== 2;
  const perPixel = contig ? spp : 1;
  const across = Math.ceil(width / bw);
  const down = Math.ceil(height / bh);
  const out = new Float32Array(width * height);
  const decoder = await decoderFor(ifd, bw * bh * perPixel * st.bytes);
  const planeOffset = contig ? 0 : sample * across * down;
  for (let by = 0; by < down; by++) {
    for (let bx = 0; bx < across; bx++) {
      const bi = planeOffset + by * across + bx;
      // Strips at the bottom may hold fewer rows; tiles are always full size (padded).
      const rows = ifd.tiled ? bh : Math.min(bh, height - by * bh);
      const need = bw * rows * perPixel * st.bytes;
      const raw = Buffer.alloc(ifd.byteCounts[bi]);
      if (raw.length > 0) await fh.read(raw, 0, raw.length, ifd.offsets[bi]);
      let bytes: Uint8Array;
      if (decoder) {
        let decoded: ArrayBuffer;
        try {
          decoded = await decoder.decodeBlock(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length) as ArrayBuffer, need);
        } catch (e) {
          throw new TiffFormatError(`compressed data of block ${bi} fails to decode (${COMPRESSION_NAMES[ifd.compression]}): ${e instanceof Error ? e.message : String(e)}`);
        }
        bytes = new Uint8Array(decoded);
      } else {
        bytes = raw;
      }
      if (bytes.length < need) {
        throw new TiffFormatError(`block ${bi} holds ${bytes.length} bytes of image data, ${need} expected; the data are truncated or corrupt`);
      }
      // An own, aligned buffer of exactly the bytes we need (fixed up in place below): the
      // decoded bytes themselves when they already are one, else a copy.
      const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === need;
      const block = own ? bytes : new Uint8Array(need);
      if (!own) block.set(bytes.subarray(0, need));
      if (ifd.predictor === 3) {
        undoFloatPredictor(block, bw * perPixel, rows, st.bytes, perPixel);
      } else {
        if (!littleEndian && st.bytes > 1) swapBytes(block, st.bytes);
        if (ifd.predictor === 2) undoHorizontalPredictor(block, bw * perPixel, rows, st.bytes, perPixel);
      }
      const values = typedView(block, st);
      const x0 = bx * bw;
      const y0 = by * bh;
      const w = Math.min(bw, width - x0);
      const h = Math.min(rows, height - y0);
      const s = contig ? sample : 0;
      if (perPixel === 1) {
        // TypedArray.set converts natively (uint16 → float32), several times faster than a loop.
        if (w === width) out.set(values.subarray(0, w * h), y0 * width);
        else for (let y = 0; y < h; y++) out.set(values.subarray(y * bw, y * bw + w), (y0 + y) * width + x0);
      } else {
        for (let y = 0; y < h; y++) {
          const src = y * bw * perPixel;
          const dst = (y0 + y) * width + x0;
          for (let x = 0; x < w; x++) out[dst + x] = values[src + x * perPixel + s];
        }
      }
    }
  }
  return out;
}

function swapBytes(b: Uint8Array, n: number): void {
  for (let i = 0; i + n <= b.length; i += n) {
    for (let lo = i, hi = i + n - 1; lo < hi; lo++, hi--) {
      const t = b[lo];
      b[lo] = b[hi];
      b[hi] = t;
    }
  }
}

/** TIFF predictor 2: each sample stores its difference to the previous pixel's sample. */
function undoHorizontalPredictor(b: Uint8Array, rowSamples: number, rows: number, bytes: number, stride: number): void {
  const arr = bytes === 1 ? b : bytes === 2 ? new Uint16Array(b.buffer) : bytes === 4 ? new Uint32Array(b.buffer) : null;
  if (!arr) throw new TiffFormatError(`predictor 2 with ${bytes * 8}-bit samples is not supported`);
  for (let r = 0; r < rows; r++) {
    const o = r * rowSamples;
    for (let i = stride; i < rowSamples; i++) arr[o + i] += arr[o + i - stride];
  }
}

/**
 * TIFF floating-point predictor 3 (Adobe TN3): byte-wise horizontal differences over byte planes
 * stored most-significant first; the result is written back little-endian.
 */
function undoFloatPredictor(b: Uint8Array, rowSamples: number, rows: number, bytes: number, stride: number): void {
  const rowBytes = rowSamples * bytes;
  for (let r = 0; r < rows; r++) {
    const row = b.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let i = stride; i < rowBytes; i++) row[i] = (row[i] + row[i - stride]) & 0xff;
    const tmp = row.slice();
    for (let i = 0; i < rowSamples; i++) {
      for (let k = 0; k < bytes; k++) row[i * bytes + k] = tmp[(bytes - k - 1) * rowSamples + i];
    }
  }
}

type Samples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

function typedView(b: Uint8Array, st: SampleType): Samples {
  const buf = b.buffer as ArrayBuffer;
  switch (`${st.kind}${st.bytes * 8}`) {
    case 'uint8': return b;
    case 'int8': return new Int8Array(buf);
    case 'uint16': return new Uint16Array(buf);
    case 'int16': return new Int16Array(buf);
    case 'uint32': return new Uint32Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'float32': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'float16': return halfToFloat(new Uint16Array(buf));
    default: throw new TiffFormatError(`unsupported sample type ${st.kind}${st.bytes * 8}`);
  }
}

function halfToFloat(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const v = h[i];
    const s = v & 0x8000 ? -1 : 1;
    const e = (v >> 10) & 0x1f;
    const m = v & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}
