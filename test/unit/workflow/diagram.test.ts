import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagramChannels } from '../../../renderer/panels/NeighbourDiagram.tsx';

test('diagram channels: offsets, planes and replication flags follow the sampler', () => {
  assert.deepEqual(
    diagramChannels(10, 5, 'self', 2).map((c) => [c.offset, c.plane, c.replicated]),
    [[-2, 3, false], [-1, 4, false], [1, 6, false], [2, 7, false]],
  );
  // Plane 0, K = 2 self: i−2 and i−1 do not exist; the nearest plane on the other side (1) is used.
  assert.deepEqual(
    diagramChannels(10, 0, 'self', 2).map((c) => [c.offset, c.plane, c.replicated]),
    [[-2, 1, true], [-1, 1, true], [1, 1, false], [2, 2, false]],
  );
  // Copy mode keeps plane i as the middle channel; the last plane's i+1 is clamped onto itself.
  assert.deepEqual(
    diagramChannels(10, 9, 'copy', 1).map((c) => [c.offset, c.plane, c.replicated]),
    [[-1, 8, false], [0, 9, false], [1, 9, true]],
  );
  assert.throws(() => diagramChannels(10, 3, 'self', 0), /K ≥ 1/);
});
