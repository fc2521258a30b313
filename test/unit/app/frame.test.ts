import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFrame, encodeFrame, FrameError } from '../../../shared/ipc/frame.ts';

test('typed arrays cross as raw bytes and come back equal, aligned and of the same type', () => {
  const plane = new Float32Array(97).map((_, i) => Math.sin(i) * 1000);
  const labels = new Uint16Array([0, 1, 65535]);
  const bytes = new Uint8Array([1, 2, 3, 4, 5]);
  const msg = { t: 'reply', id: 3, reply: { ok: true, value: { rows: 1, data: plane, nested: [labels, { b: bytes }], f64: new Float64Array([Math.PI]) } } };
  const frame = encodeFrame(msg);
  // The plane's 388 bytes are in the frame as such, not as ~2 kB of JSON digits.
  assert.ok(frame.byteLength < 388 + 2 + 6 + 8 + 400, `frame is ${frame.byteLength} bytes`);
  const back = decodeFrame(frame.slice().buffer) as typeof msg;
  const v = back.reply.value;
  assert.ok(v.data instanceof Float32Array);
  assert.deepEqual([...v.data], [...plane]);
  assert.ok(v.nested[0] instanceof Uint16Array);
  assert.deepEqual([...(v.nested[0] as Uint16Array)], [0, 1, 65535]);
  assert.deepEqual([...(v.nested[1] as { b: Uint8Array }).b], [1, 2, 3, 4, 5]);
  assert.equal(v.f64[0], Math.PI);
  assert.equal(v.data.byteOffset % 8, 0);
  assert.equal(v.f64.byteOffset % 8, 0);
});

test('non-finite numbers, subarrays and ArrayBuffers survive', () => {
  const base = new Float32Array([1, 2, 3, 4, 5, 6]);
  const back = decodeFrame(encodeFrame({ a: NaN, b: -Infinity, c: base.subarray(2, 4), d: new Uint8Array([9, 8]).buffer, e: null, f: 'x' })) as Record<string, unknown>;
  assert.ok(Number.isNaN(back.a));
  assert.equal(back.b, -Infinity);
  assert.deepEqual([...(back.c as Float32Array)], [3, 4]);
  assert.ok(back.d instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(back.d as ArrayBuffer)], [9, 8]);
  assert.equal(back.e, null);
  assert.equal(back.f, 'x');
});

test('an unaligned Node Buffer is decoded correctly', () => {
  const frame = encodeFrame({ data: new Float32Array([1.5, -2.5]) });
  const pool = Buffer.alloc(frame.byteLength + 3);
  pool.set(frame, 3);
  const back = decodeFrame(pool.subarray(3)) as { data: Float32Array };
  assert.deepEqual([...back.data], [1.5, -2.5]);
});

test('malformed frames are refused with a FrameError, never a crash or a bogus view', () => {
  const good = encodeFrame({ data: new Float32Array([1, 2, 3]) });
  const corrupt = (edit: (b: Uint8Array, dv: DataView) => void) => {
    const b = good.slice();
    edit(b, new DataView(b.buffer));
    return b;
  };
  const hlen = new DataView(good.buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + hlen)));
  const withHeader = (h: unknown) => {
    const json = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + json.byteLength + 64);
    out.set(good.subarray(0, 4));
    new DataView(out.buffer).setUint32(4, json.byteLength, true);
    out.set(json, 8);
    return out;
  };
  const bad: [string, Uint8Array][] = [
    ['too short', new Uint8Array(3)],
    ['bad magic', corrupt((b) => (b[0] = 0))],
    ['header overruns', corrupt((_b, dv) => dv.setUint32(4, 1e6, true))],
    ['header not JSON', corrupt((b) => (b[8] = 0x7b + 1))],
    ['block past the end', withHeader({ ...header, b: [['Float32Array', 0, 1e6]] })],
    ['bad block type', withHeader({ ...header, b: [['Function', 0, 4]] })],
    ['ragged block', withHeader({ ...header, b: [['Float32Array', 0, 6]] })],
    ['dangling placeholder', withHeader({ m: { $b: 5 }, b: [] })],
  ];
  for (const [why, frame] of bad) assert.throws(() => decodeFrame(frame), FrameError, why);
});
