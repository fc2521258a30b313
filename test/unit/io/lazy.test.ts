/**
 * Streaming: a 10×2160×2160 uint16 stack (93 MB) opens and serves one plane without decoding the
 * others, and writing from a lazy source streams plane by plane.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { openStack, writeStack, type StackSource } from '../../../main/io/index.ts';
import { makeStack } from '../../../shared/stack.ts';
import { tempDir } from './helpers.ts';

const D = 10;
const N = 2160;
const value = (z: number, i: number) => (z * 4099 + i * 7) % 65536;

test('a 10×2160×2160 uint16 stack opens lazily: open reads headers only, one plane reads one plane of bytes', async () => {
  const { dir, cleanup } = tempDir('lazy');
  try {
    const path = join(dir, 'big.tif');
    const meta = makeStack(1, 1, 1, undefined, { name: 'gen', dtype: 'uint16' }).meta;
    let planesMade = 0;
    const generated: StackSource = {
      depth: D, height: N, width: N, meta: { ...meta, sourceShape: [D, N, N] },
      readPlane: async (z) => {
        planesMade++;
        const p = new Float32Array(N * N);
        for (let i = 0; i < p.length; i++) p[i] = value(z, i);
        return p;
      },
      close: async () => {},
    };
    const progress: number[] = [];
    const report = await writeStack(path, generated, { onProgress: (d) => progress.push(d) });
    assert.equal(planesMade, D);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok(statSync(path).size > D * N * N * 2);
    assert.equal(report.dtype, 'uint16');

    // Count the bytes the reader pulls from disk (every read goes through FileHandle.read).
    const probe = await open(path, 'r');
    const proto = Object.getPrototypeOf(probe) as { read: (...a: unknown[]) => Promise<{ bytesRead: number }> };
    await probe.close();
    const originalRead = proto.read;
    let bytesRead = 0;
    proto.read = async function (this: unknown, ...args: unknown[]) {
      const r = await originalRead.apply(this, args);
      bytesRead += r.bytesRead;
      return r;
    };
    let openMs: number;
    let openBytes: number;
    let plane: Float32Array;
    let src: StackSource;
    try {
      const t0 = performance.now();
      src = await openStack(path);
      openMs = performance.now() - t0;
      openBytes = bytesRead;
      plane = await src.readPlane(7);
      await src.close();
    } finally {
      proto.read = originalRead;
    }
    assert.deepEqual([src.depth, src.height, src.width], [D, N, N]);
    for (const i of [0, 1, 12345, N * N - 1]) assert.equal(plane[i], value(7, i));
    const planeBytes = N * N * 2;
    console.log(`lazy: open ${openMs.toFixed(0)} ms reading ${openBytes} bytes; open + one plane read ${(bytesRead / 2 ** 20).toFixed(1)} MB of ${(statSync(path).size / 2 ** 20).toFixed(0)} MB`);
    // Opening reads only headers and IFDs; one plane reads that plane's strip and nothing else.
    assert.ok(openBytes < 64 * 1024, `open read ${openBytes} bytes`);
    assert.ok(bytesRead - openBytes === planeBytes, `one plane read ${bytesRead - openBytes} bytes, expected ${planeBytes}`);
    assert.ok(openMs < 2000, `open took ${openMs.toFixed(0)} ms`);
  } finally {
    cleanup();
  }
});
