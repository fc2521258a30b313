/** The viewer's side of hyperstacks (issue 18): channel colours, groups, time labels, data swaps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StackInfo } from '../../../shared/ipc/stacks.ts';
import { channelDisplay, hyperstackGroups, nearestHue, replaceLayerData, timeLabel } from '../../../renderer/state/hyperstack.ts';
import { createViewerStore } from '../../../renderer/state/layers.ts';
import { memoryStorage } from '../../../renderer/state/persist.ts';

function member(stackId: string, channel: number, extra: Partial<NonNullable<StackInfo['hyperstack']>> = {}, channels = 2): StackInfo {
  return {
    stackId,
    name: `channel ${channel} · cells.tif`,
    depth: 2, height: 2, width: 2,
    meta: { name: 'cells.tif', dtype: 'uint16', voxelSize: { z: 1, y: 1, x: 1, unit: 'micron' }, flavour: 'imagej', sourceAxes: 'TCZYX', sourceShape: [3, channels, 2, 2, 2] },
    role: 'primary', min: 0, max: 1,
    hyperstack: { groupId: 'h1', name: 'cells.tif', channel, channels, times: 3, time: 0, ...extra },
  };
}

test('channel colours: the file colour by its hue, else green, magenta, cyan…; channels add up', () => {
  assert.equal(nearestHue('00FFFF'), 'cyan');
  assert.equal(nearestHue('ff00ff'), 'magenta');
  assert.equal(nearestHue('7F0000'), 'red', 'brightness does not matter');
  assert.equal(nearestHue('00C000'), 'green');
  assert.equal(nearestHue('FFFFFF'), 'gray');
  assert.equal(nearestHue('000000'), undefined);
  assert.equal(nearestHue('nonsense'), undefined);
  assert.deepEqual(channelDisplay(member('a', 0, { color: '00FFFF' })), { colormap: 'cyan', blending: 'additive' });
  assert.deepEqual(channelDisplay(member('a', 0)), { colormap: 'green', blending: 'additive' });
  assert.deepEqual(channelDisplay(member('b', 1)), { colormap: 'magenta', blending: 'additive' });
  assert.deepEqual(channelDisplay(member('c', 2, {}, 3)), { colormap: 'cyan', blending: 'additive' });
  assert.equal(channelDisplay(member('d', 0, {}, 1)), undefined, 'a one-channel time-lapse stays grey');
  const plain = { ...member('e', 0), hyperstack: undefined };
  assert.equal(channelDisplay(plain), undefined);
});

test('groups among the open stacks, members in channel order; time labels', () => {
  const stacks = [member('s2', 1, { timeIncrement: { value: 30, unit: 's' } }), { ...member('s9', 0), hyperstack: undefined }, member('s1', 0, { timeIncrement: { value: 30, unit: 's' } })];
  const [g, ...rest] = hyperstackGroups(stacks);
  assert.equal(rest.length, 0);
  assert.deepEqual([g.groupId, g.name, g.times, g.channels, g.stackIds], ['h1', 'cells.tif', 3, 2, ['s1', 's2']]);
  assert.equal(timeLabel(2, 3, { value: 30, unit: 's' }), '3/3 · 60 s');
  assert.equal(timeLabel(0, 3), '1/3');
});

test('replacing a layer\'s voxels keeps its display and refreshes its range', () => {
  const viewer = createViewerStore({ storage: memoryStorage() });
  const id = viewer.addImageLayer({ name: 'c0', data: Float32Array.from([0, 1, 2, 3]), dims: { depth: 1, height: 2, width: 2 }, colormap: 'green', blending: 'additive', contrastLimits: [0, 3] });
  replaceLayerData(viewer, id, Float32Array.from([10, 11, 12, 13]));
  const l = viewer.get().layers[0];
  assert.ok(l.kind === 'image');
  assert.deepEqual([...l.data], [10, 11, 12, 13]);
  assert.deepEqual(l.dataRange, [10, 13]);
  assert.deepEqual([l.contrastLimits, l.colormap, l.blending], [[0, 3], 'green', 'additive']);
  assert.equal(viewer.valuesAt({ z: 0, y: 1, x: 1 })[0].value, 13);
  assert.throws(() => replaceLayerData(viewer, id, new Float32Array(3)), /3 values for 1×2×2/);
});
