/**
 * Streaming: a 10×2160×2160 uint16 stack (93 MB) opens and serves one plane without decoding the
 * others, and writing from a lazy source streams plane by plane.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openStack, writeStack, type StackSource } from '../../../main/io/index.ts';
import { makeStack } from '../../../shared/stack.ts';
import { tempDir } from './helpers.ts';

const D = 10;
const N = 2160;
const value = (z: number, i: number) => (z * 4099 + i * 7) % 65536;

test('a 10×2160×2160 uint16 stack opens lazily: one plane decoded, memory far below the whole', async () => {
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

    global.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const src = await openStack(path);
    const openMs = performance.now() - t0;
    const plane = await src.readPlane(7);
    const after = process.memoryUsage().arrayBuffers;
    await src.close();
    assert.deepEqual([src.depth, src.height, src.width], [D, N, N]);
    for (const i of [0, 1, 12345, N * N - 1]) assert.equal(plane[i], value(7, i));
    // The whole stack is 93 MB as uint16 and 187 MB as float32; one plane is 9 + 19 MB.
    const grew = (after - before) / 2 ** 20;
    console.log(`lazy: open ${openMs.toFixed(0)} ms, array buffers +${grew.toFixed(1)} MB for one plane`);
    assert.ok(grew < 60, `array buffers grew by ${grew.toFixed(0)} MB while reading one plane`);
    assert.ok(openMs < 2000, `open took ${openMs.toFixed(0)} ms`);
  } finally {
    cleanup();
  }
});
