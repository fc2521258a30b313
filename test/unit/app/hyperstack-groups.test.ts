/**
 * Hyperstack groups in main's stack store (issue 18): one stack per channel, a time change swaps
 * every member's voxels to that time point (and the plane answers follow), the group's array goes
 * with its last channel.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventHub } from '../../../main/app/events.ts';
import { StackStore, channelRanges } from '../../../main/app/stacks/stack-store.ts';
import { planeOffset, type Hyperstack } from '../../../shared/hyperstack.ts';

const [T, C, Z, H, W] = [3, 2, 4, 5, 6];

/** Voxel value encodes (t, c, z, y, x), so any mix-up shows. */
function hyper(): Hyperstack {
  const data = new Float32Array(T * C * Z * H * W);
  for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) for (let z = 0; z < Z; z++) for (let i = 0; i < H * W; i++) data[planeOffset({ channels: C, depth: Z, height: H, width: W }, t, c, z) + i] = t * 10000 + c * 1000 + z * 100 + i;
  return {
    data,
    meta: {
      name: 'cells.tif', dtype: 'uint16', flavour: 'imagej', times: T, channels: C, depth: Z, height: H, width: W, order: 'TZC', axes: 'TZCYX',
      voxelSize: { z: 2, y: 0.5, x: 0.5, unit: 'micron' }, timeIncrement: { value: 30, unit: 's' },
      channelMeta: [{ name: 'nuclei', color: '00ffff' }, {}],
    },
  };
}

test('a hyperstack is kept as one stack per channel, grouped, at one time point; set-time swaps them all', () => {
  const events: string[] = [];
  const hub = new EventHub();
  hub.addSink((ch) => events.push(ch));
  const store = new StackStore(hub);
  const infos = store.addHyperstack(hyper(), 'primary', undefined, undefined, 1);
  assert.equal(infos.length, C);
  assert.deepEqual(events, ['stack:added', 'stack:added']);
  assert.deepEqual(infos.map((i) => i.name), ['nuclei · cells.tif', 'channel 1 · cells.tif']);
  const [a, b] = infos;
  assert.equal(a.hyperstack?.groupId, b.hyperstack?.groupId);
  assert.deepEqual(
    { ...a.hyperstack, groupId: undefined },
    { groupId: undefined, name: 'cells.tif', channel: 0, channels: C, times: T, time: 1, channelName: 'nuclei', color: '00FFFF', timeIncrement: { value: 30, unit: 's' } },
  );
  assert.equal(b.hyperstack?.color, undefined, 'no colour in the file: none invented in main');
  assert.deepEqual([a.depth, a.height, a.width], [Z, H, W]);
  assert.equal(a.meta.time, 1);
  // Ranges cover every time point of the channel (stable contrast while the slider moves).
  assert.deepEqual([a.min, a.max], [0, (T - 1) * 10000 + (Z - 1) * 100 + H * W - 1]);
  assert.deepEqual([b.min, b.max], [1000, (T - 1) * 10000 + 1000 + (Z - 1) * 100 + H * W - 1]);

  // Planes and jobs see time point 1 of each channel.
  assert.equal(store.planes(b.stackId, 'z', 2, 1).data[0], 1 * 10000 + 1000 + 200);
  assert.equal(store.get(a.stackId).data[0], 10000);
  assert.ok(store.get(a.stackId).data.buffer instanceof SharedArrayBuffer);

  const groupId = a.hyperstack!.groupId;
  assert.equal(store.groupOf(b.stackId), groupId);
  const moved = store.setTime(groupId, 2);
  assert.deepEqual(moved.map((i) => [i.stackId, i.hyperstack?.time, i.meta.time]), [[a.stackId, 2, 2], [b.stackId, 2, 2]]);
  assert.equal(store.planes(b.stackId, 'z', 3, 1).data[7], 2 * 10000 + 1000 + 300 + 7);
  assert.equal(store.planes(a.stackId, 'y', 0, 1).data[W], 2 * 10000 + 100, 'XZ planes come from the new time point too');
  assert.equal(store.info(a.stackId).hyperstack?.time, 2);
  assert.equal(store.group(groupId).time, 2);
  assert.throws(() => store.setTime(groupId, T), /outside 0…2/);
  assert.throws(() => store.setTime('h999', 0), /no open hyperstack/);

  // Closing one channel keeps the group; closing the last forgets it.
  store.remove(a.stackId);
  assert.deepEqual(store.group(groupId).stackIds, [b.stackId]);
  store.remove(b.stackId);
  assert.throws(() => store.group(groupId), /no open hyperstack/);
});

test('plain stacks are not in a group; channel ranges ignore non-finite values', () => {
  const h = hyper();
  h.data[0] = NaN;
  const r = channelRanges(h);
  assert.equal(r[0].min, 1);
  const store = new StackStore();
  const [info] = store.addHyperstack(h, 'primary');
  assert.equal(info.hyperstack?.time, 0);
  assert.throws(() => store.addHyperstack(h, 'primary', undefined, undefined, 5), /time point 5 does not exist/);
});
