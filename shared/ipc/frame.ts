/**
 * Binary frame format of the loopback bridge. A message is any JSON-like object that may contain
 * typed arrays / ArrayBuffers anywhere; those are cut out and appended raw, so planes cross the
 * socket as bytes, not as JSON number arrays.
 *
 *   bytes 0-3   magic "N2S1"
 *   bytes 4-7   uint32 LE: byte length L of the JSON header
 *   bytes 8..   header: UTF-8 JSON {"m": message with {"$b": i} placeholders, "b": [[type, offset, byteLength], …]}
 *   then zero padding to a multiple of 8, then the binary blocks, each starting at a multiple of 8
 *   (offsets are relative to the start of the first block), so a Float32Array/Float64Array view
 *   can be made on the received buffer without copying.
 *
 * Endianness of the blocks is the platform's (little-endian on every target of the app).
 */

const MAGIC = 0x3153324e; // "N2S1" read as uint32 LE
const ALIGN = 8;

const TYPES = {
  ArrayBuffer: null,
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
} as const;
type BinType = keyof typeof TYPES;

type Binary = ArrayBuffer | ArrayBufferView;

function binTypeOf(v: unknown): BinType | null {
  if (v instanceof ArrayBuffer) return 'ArrayBuffer';
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const name = v.constructor.name;
    // Node's Buffer is a Uint8Array subclass.
    if (name in TYPES) return name as BinType;
    if (v instanceof Uint8Array) return 'Uint8Array';
  }
  return null;
}

const pad = (n: number): number => (n + ALIGN - 1) & ~(ALIGN - 1);

export function encodeFrame(message: unknown): Uint8Array {
  const blocks: { type: BinType; bytes: Uint8Array }[] = [];
  const strip = (v: unknown): unknown => {
    const t = binTypeOf(v);
    if (t) {
      const b = v as Binary;
      const bytes = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      blocks.push({ type: t, bytes });
      return { $b: blocks.length - 1 };
    }
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = strip(x);
      return out;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $n: String(v) }; // JSON has no NaN/Infinity
    return v;
  };
  const m = strip(message);
  const table: [BinType, number, number][] = [];
  let off = 0;
  for (const b of blocks) {
    table.push([b.type, off, b.bytes.byteLength]);
    off = pad(off + b.bytes.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ m, b: table }));
  const dataStart = pad(8 + header.byteLength);
  const out = new Uint8Array(dataStart + off);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, header.byteLength, true);
  out.set(header, 8);
  blocks.forEach((b, i) => out.set(b.bytes, dataStart + table[i][1]));
  return out;
}

export class FrameError extends Error {}

export function decodeFrame(input: ArrayBuffer | Uint8Array): unknown {
  let bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
  // Views need an aligned start in their buffer; Node may hand out pooled, unaligned Buffers.
  // (new Uint8Array(view) copies; Buffer#slice would not.)
  if (bytes.byteOffset % ALIGN !== 0) bytes = new Uint8Array(bytes);
  if (bytes.byteLength < 8) throw new FrameError('frame too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new FrameError('not an n2s frame (bad magic)');
  const hlen = dv.getUint32(4, true);
  if (8 + hlen > bytes.byteLength) throw new FrameError('frame header overruns the frame');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
  } catch {
    throw new FrameError('frame header is not JSON');
  }
  const { m, b } = (parsed ?? {}) as { m?: unknown; b?: unknown };
  if (!Array.isArray(b)) throw new FrameError('frame header has no block table');
  const dataStart = pad(8 + hlen);
  const views: Binary[] = b.map((entry: unknown) => {
    if (!Array.isArray(entry) || entry.length !== 3) throw new FrameError('bad block entry');
    const [type, off, len] = entry as [unknown, unknown, unknown];
    if (typeof type !== 'string' || !(type in TYPES)) throw new FrameError(`bad block type ${String(type)}`);
    if (typeof off !== 'number' || typeof len !== 'number' || off < 0 || len < 0 || dataStart + off + len > bytes.byteLength) {
      throw new FrameError('block overruns the frame');
    }
    const start = bytes.byteOffset + dataStart + off;
    if (type === 'ArrayBuffer') return bytes.buffer.slice(start, start + len) as ArrayBuffer;
    const Ctor = TYPES[type as Exclude<BinType, 'ArrayBuffer'>];
    if (len % Ctor.BYTES_PER_ELEMENT !== 0) throw new FrameError('block length not a whole number of elements');
    return new Ctor(bytes.buffer as ArrayBuffer, start, len / Ctor.BYTES_PER_ELEMENT);
  });
  const restore = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(restore);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '$b' && typeof o.$b === 'number') {
        const view = views[o.$b];
        if (view === undefined) throw new FrameError('placeholder points at no block');
        return view;
      }
      if (keys.length === 1 && keys[0] === '$n' && typeof o.$n === 'string') return Number(o.$n);
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = restore(o[k]);
      return out;
    }
    return v;
  };
  return restore(m);
}
