/**
 * Checks on what a Zarr chunk decodes to, so that a short or corrupt chunk is an error naming the
 * chunk and never a block of zeros or garbage (main/io/README.md, "Safety"):
 *
 * - every compressor's output must be exactly the chunk's size (shape × item size);
 * - Blosc (numcodecs' WebAssembly build reports no errors) is checked before decoding: header
 *   sizes against the chunk, block offsets and the split streams inside the data, and each
 *   LZ4/Zstd/zlib stream decoded here to its exact size (Blosc has no checksum; this is what it
 *   can promise).
 *
 * `checkedCodec` wraps a codec class of zarrita's registry with these checks.
 */
import { inflateSync } from 'node:zlib';
import { ZSTDDecoder } from 'zstddec/stream';

const ITEM_BYTES: Record<string, number> = {
  int8: 1, uint8: 1, bool: 1,
  int16: 2, uint16: 2, float16: 2,
  int32: 4, uint32: 4, float32: 4,
  int64: 8, uint64: 8, float64: 8,
};

/** Bytes of one decoded chunk, when the data type has a fixed size. */
export function chunkBytes(meta: { shape?: number[]; dataType?: string } | undefined): number | undefined {
  const item = meta?.dataType ? ITEM_BYTES[meta.dataType] : undefined;
  if (!item || !Array.isArray(meta?.shape)) return undefined;
  return meta.shape.reduce((a, b) => a * b, item);
}

/**
 * LZ4 block format (no frame): exactly `size` bytes out, or an error. Only for checking, so it
 * writes into a scratch buffer; offsets and lengths are bounded by the input and the output.
 */
export function lz4BlockDecode(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let i = 0;
  let o = 0;
  const fail = (why: string): never => {
    throw new Error(`corrupt LZ4 stream (${why})`);
  };
  for (;;) {
    if (i >= src.length) fail('ends early');
    const token = src[i++];
    let lit = token >> 4;
    if (lit === 15) {
      let b;
      do {
        if (i >= src.length) fail('ends inside a length');
        b = src[i++];
        lit += b;
      } while (b === 255);
    }
    if (i + lit > src.length || o + lit > size) fail('literals run past the end');
    out.set(src.subarray(i, i + lit), o);
    i += lit;
    o += lit;
    if (i === src.length) break;
    if (i + 2 > src.length) fail('ends inside an offset');
    const off = src[i] | (src[i + 1] << 8);
    i += 2;
    if (off === 0 || off > o) fail('match offset outside the output');
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b;
      do {
        if (i >= src.length) fail('ends inside a length');
        b = src[i++];
        len += b;
      } while (b === 255);
    }
    if (o + len > size) fail('match runs past the end');
    for (let k = 0; k < len; k++, o++) out[o] = out[o - off];
  }
  if (o !== size) fail(`${o} bytes decoded, ${size} expected`);
  return out;
}

let zstd: ZSTDDecoder | undefined;
async function zstdDecoder(): Promise<ZSTDDecoder> {
  if (!zstd) {
    const d = new ZSTDDecoder();
    await d.init();
    zstd = d;
  }
  return zstd;
}

const BLOSC_CODECS = ['blosclz', 'lz4', 'snappy', 'zlib', 'zstd'];

/**
 * Blosc 1 chunk (c-blosc's README_CHUNK_FORMAT): 16-byte header (version, versionlz, flags,
 * typesize, nbytes, blocksize, cbytes), then the data as is (memcpyed) or a table of block offsets
 * and per block 1 or typesize streams, each a 32-bit compressed size and its bytes.
 */
export async function checkBlosc(src: Uint8Array, expected: number | undefined): Promise<void> {
  const fail = (why: string): never => {
    throw new Error(`corrupt Blosc data: ${why}`);
  };
  if (src.length < 16) fail(`${src.length} bytes, shorter than the 16-byte header`);
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const flags = src[2];
  const typesize = src[3];
  const nbytes = v.getUint32(4, true);
  const blocksize = v.getUint32(8, true);
  const cbytes = v.getUint32(12, true);
  if (cbytes !== src.length) fail(`header declares ${cbytes} bytes, the chunk holds ${src.length} (truncated or padded)`);
  if (expected !== undefined && nbytes !== expected) fail(`header declares ${nbytes} decoded bytes, the chunk needs ${expected}`);
  if (typesize === 0) fail('type size 0');
  if (flags & 0x02) {
    if (cbytes !== nbytes + 16) fail('stored (uncompressed) chunk of the wrong size');
    return;
  }
  if (nbytes === 0) return;
  if (blocksize === 0 || blocksize > nbytes + blocksize) fail(`block size ${blocksize}`);
  const codec = BLOSC_CODECS[flags >> 5];
  if (!codec) fail(`unknown inner compressor ${flags >> 5}`);
  const nblocks = Math.ceil(nbytes / blocksize);
  if (16 + 4 * nblocks > cbytes) fail(`${nblocks} block offsets do not fit`);
  const starts: number[] = [];
  for (let b = 0; b < nblocks; b++) {
    const s = v.getInt32(16 + 4 * b, true);
    if (s < 16 + 4 * nblocks || s >= cbytes) fail(`block ${b} starts at ${s}, outside the data`);
    starts.push(s);
  }
  const sorted = [...new Set(starts)].sort((a, b) => a - b);
  if (sorted.length !== nblocks) fail('two blocks share an offset');
  for (let b = 0; b < nblocks; b++) {
    const start = starts[b];
    const end = sorted[sorted.indexOf(start) + 1] ?? cbytes;
    const bsize = b === nblocks - 1 && nbytes % blocksize ? nbytes % blocksize : blocksize;
    // Streams of this block: 1 or typesize of them, each a 32-bit size and that many bytes.
    const streams: [number, number][] = [];
    let p = start;
    while (p < end) {
      if (p + 4 > end) fail(`block ${b}: a stream header runs past the block`);
      const cs = v.getInt32(p, true);
      p += 4;
      if (cs < 0 || p + cs > end) fail(`block ${b}: a stream of ${cs} bytes runs past the block`);
      streams.push([p, cs]);
      p += cs;
    }
    const n = streams.length;
    if (n !== 1 && n !== typesize) fail(`block ${b} holds ${n} streams (1 or ${typesize} expected)`);
    if (bsize % n) fail(`block ${b} of ${bsize} bytes cannot split into ${n} streams`);
    const each = bsize / n;
    for (const [at, cs] of streams) {
      if (cs === each) continue; // stored as is
      const data = src.subarray(at, at + cs);
      try {
        if (codec === 'lz4') lz4BlockDecode(data, each);
        else if (codec === 'zstd') {
          const out = (await zstdDecoder()).decode(data, each);
          if (out.length !== each) throw new Error('libzstd refused the stream');
        } else if (codec === 'zlib') {
          const out = inflateSync(data, { maxOutputLength: each + 1 });
          if (out.length !== each) throw new Error(`${out.length} bytes, ${each} expected`);
        }
        // blosclz and snappy streams: structure checked above, contents left to the decoder.
      } catch (e) {
        fail(`block ${b}: ${codec} stream does not decode (${(e as Error).message.split('\n')[0]})`);
      }
    }
  }
}

interface BytesCodec {
  kind: string;
  decode(bytes: Uint8Array): Promise<Uint8Array> | Uint8Array;
  encode(bytes: Uint8Array): Promise<Uint8Array> | Uint8Array;
}
interface CodecClass {
  fromConfig(config: unknown, meta: unknown): BytesCodec;
}

/**
 * `Inner` with checked decoding: Blosc's structure before, the decoded size after. The chunk's
 * size comes from the chunk metadata zarrita hands to fromConfig.
 */
/** numcodecs' LZ4: a 32-bit little-endian decoded size, then one LZ4 block. */
function checkNumcodecsLz4(src: Uint8Array, expected: number | undefined): void {
  if (src.length < 4) throw new Error(`corrupt LZ4 data: ${src.length} bytes, shorter than its 4-byte size header`);
  const size = new DataView(src.buffer, src.byteOffset, 4).getUint32(0, true);
  if (expected !== undefined && size !== expected) throw new Error(`corrupt LZ4 data: header declares ${size} decoded bytes, the chunk needs ${expected}`);
  lz4BlockDecode(src.subarray(4), size);
}

export function checkedCodec(name: string, Inner: CodecClass): CodecClass {
  const blosc = /blosc/.test(name);
  const lz4 = /lz4/.test(name);
  return {
    fromConfig(config: unknown, meta: unknown): BytesCodec {
      const inner = Inner.fromConfig(config, meta);
      const expected = chunkBytes(meta as { shape?: number[]; dataType?: string });
      return {
        kind: inner.kind,
        encode: (b) => inner.encode(b),
        async decode(bytes: Uint8Array): Promise<Uint8Array> {
          if (blosc) await checkBlosc(bytes, expected);
          if (lz4) checkNumcodecsLz4(bytes, expected);
          let out: Uint8Array;
          try {
            out = await inner.decode(bytes);
          } catch (e) {
            // The WebAssembly codecs throw "std::runtime_error,zstd codec error: …".
            throw new Error(String(e instanceof Error ? e.message : e).replace(/^std::\w+,\s*/, ''), { cause: e });
          }
          if (expected !== undefined && out.length !== expected) {
            throw new Error(`decoded to ${out.length} bytes, the chunk holds ${expected} (short or corrupt chunk)`);
          }
          return out;
        },
      };
    },
  };
}

/** Whether an array stores its chunks as plain bytes (no compressor, no filters). */
export function storesRawChunks(meta: { compressor?: unknown; filters?: unknown; codecs?: { name?: unknown }[] }, zarrFormat: 2 | 3): boolean {
  if (zarrFormat === 2) return !meta.compressor && !(Array.isArray(meta.filters) && meta.filters.length > 0);
  return Array.isArray(meta.codecs) && meta.codecs.every((c) => c?.name === 'bytes');
}
