/**
 * The app's 'open-stack' job on hyperstack files (issue 18): ImageJ, OME-TIFF in another dimension
 * order and OME-Zarr with two channels and three time points open as a group of one stack per
 * channel (values of the time point shown, names and colours of the file); a time-lapse of single
 * planes is a one-channel group; a plain z-stack stays one plain stack.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { job } from '../../../main/app/jobs/kinds/open-stack.ts';
import type { JobContext, MainServices } from '../../../main/app/jobs/kind.ts';
import { StackStore } from '../../../main/app/stacks/stack-store.ts';
import { writeHyperstack } from '../../../main/io/hyperstack.ts';
import { writeStack } from '../../../main/io/index.ts';
import { axesFor, planeOffset, type Hyperstack } from '../../../shared/hyperstack.ts';
import type { StackInfo } from '../../../shared/ipc/stacks.ts';
import { makeStack } from '../../../shared/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'n2s-open-hyper-'));
const ctx = { jobId: 'j', progress: () => {}, signal: new AbortController().signal, checkpoint: async () => {}, log: () => {} } satisfies JobContext;

function hyper(T: number, C: number, Z: number): Hyperstack {
  const [H, W] = [12, 10];
  const data = new Float32Array(T * C * Z * H * W);
  for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) for (let z = 0; z < Z; z++) for (let i = 0; i < H * W; i++) data[planeOffset({ channels: C, depth: Z, height: H, width: W }, t, c, z) + i] = t * 1000 + c * 100 + z * 10 + (i % 10);
  return {
    data,
    meta: {
      name: 'acq', dtype: 'uint16', flavour: 'imagej', times: T, channels: C, depth: Z, height: H, width: W, order: 'TZC', axes: axesFor('TZC', { times: T, channels: C, depth: Z }),
      voxelSize: { z: 1.5, y: 0.25, x: 0.25, unit: 'micron' }, timeIncrement: { value: 5, unit: 's' },
      channelMeta: C === 2 ? [{ name: 'DAPI', color: '0000FF' }, { name: 'GFP', color: '00FF00' }] : [{}],
    },
  };
}

async function open(path: string): Promise<{ store: StackStore; infos: StackInfo[]; first: StackInfo }> {
  const store = new StackStore();
  const main = { stacks: store, paths: { assertReadable: (p: string) => p }, recent: { add: () => {} } } as unknown as MainServices;
  const input = await job.prepare!({ source: { kind: 'file', path }, role: 'primary' }, main, 'j');
  const first = (await job.finish!(await job.run(input, ctx), main, 'j')) as StackInfo;
  return { store, infos: store.list(), first };
}

for (const [label, file, opts] of [
  ['ImageJ hyperstack', 'acq.tif', { format: 'imagej' }],
  ['OME-TIFF, DimensionOrder XYCZT', 'acq.ome.tif', { format: 'ome', dimensionOrder: 'XYCZT' }],
  ['OME-Zarr tczyx', 'acq.zarr', { format: 'zarr' }],
] as const) {
  test(`${label}: one stack per channel, grouped, at time point 1`, async () => {
    const h = hyper(3, 2, 4);
    const path = join(dir, file);
    await writeHyperstack(path, h, opts);
    const { store, infos, first } = await open(path);
    assert.equal(infos.length, 2);
    assert.equal(first.stackId, infos[0].stackId);
    assert.deepEqual(infos.map((i) => [i.hyperstack?.channel, i.hyperstack?.channelName, i.hyperstack?.color, i.hyperstack?.times, i.hyperstack?.time]), [[0, 'DAPI', '0000FF', 3, 0], [1, 'GFP', '00FF00', 3, 0]]);
    assert.deepEqual(infos[1].hyperstack?.timeIncrement, { value: 5, unit: 's' });
    assert.deepEqual([infos[1].depth, infos[1].height, infos[1].width], [4, 12, 10]);
    assert.equal(store.planes(infos[1].stackId, 'z', 3, 1).data[5], 100 + 30 + 5);
    store.setTime(infos[0].hyperstack!.groupId, 2);
    assert.equal(store.planes(infos[1].stackId, 'z', 3, 1).data[5], 2000 + 100 + 30 + 5);
    assert.ok(Math.abs(infos[0].meta.voxelSize.z - 1.5) < 1e-6);
  });
}

test('a time-lapse of single planes is a one-channel group; a plain z-stack is one plain stack', async () => {
  const tyx = join(dir, 'tyx.tif');
  await writeHyperstack(tyx, hyper(3, 1, 1), { format: 'imagej' });
  const a = await open(tyx);
  assert.equal(a.infos.length, 1);
  assert.deepEqual([a.first.depth, a.first.hyperstack?.channels, a.first.hyperstack?.times], [1, 1, 3]);

  const zyx = join(dir, 'zyx.tif');
  await writeStack(zyx, makeStack(5, 8, 8, new Float32Array(5 * 64).fill(7), { name: 'zyx', dtype: 'uint16' }), { format: 'imagej' });
  const b = await open(zyx);
  assert.equal(b.infos.length, 1);
  assert.equal(b.first.hyperstack, undefined);
  assert.equal(b.first.depth, 5);
});

test('a hyperstack larger than the app holds is refused in one sentence before anything is read', async () => {
  // An OME-Zarr whose metadata say 1000 time points × 2 channels × 100 × 2048 × 2048 (no chunks).
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const z = join(dir, 'huge.zarr');
  mkdirSync(join(z, '0'), { recursive: true });
  writeFileSync(join(z, '.zgroup'), JSON.stringify({ zarr_format: 2 }));
  writeFileSync(join(z, '.zattrs'), JSON.stringify({
    multiscales: [{ version: '0.4', axes: [{ name: 't', type: 'time' }, { name: 'c', type: 'channel' }, { name: 'z', type: 'space' }, { name: 'y', type: 'space' }, { name: 'x', type: 'space' }], datasets: [{ path: '0', coordinateTransformations: [{ type: 'scale', scale: [1, 1, 1, 1, 1] }] }] }],
  }));
  writeFileSync(join(z, '0', '.zarray'), JSON.stringify({ zarr_format: 2, shape: [1000, 2, 100, 2048, 2048], chunks: [1, 1, 1, 2048, 2048], dtype: '<u2', compressor: null, fill_value: 0, order: 'C', filters: null }));
  await assert.rejects(open(z), (e: Error) => {
    assert.match(e.message, /^huge.* is 1000 time points × 2 channels × 100×2048×2048 \(3125\.0 GB as float32\), more than the [\d.]+ GB the app holds in memory here; denoise it with n2s denoise/);
    assert.equal(e.message.split('\n').length, 1);
    return true;
  });
});
