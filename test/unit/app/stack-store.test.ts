import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventHub } from '../../../main/app/events.ts';
import { StackStore } from '../../../main/app/stacks/stack-store.ts';
import { makeStack } from '../../../shared/stack.ts';

test('planes along z, y and x match direct indexing, data live in shared memory', () => {
  const [D, H, W] = [3, 4, 5];
  const data = new Float32Array(D * H * W).map((_, i) => i);
  const events: string[] = [];
  const hub = new EventHub();
  hub.addSink((ch) => events.push(ch));
  const store = new StackStore(hub);
  const info = store.add(makeStack(D, H, W, data, { name: 'ramp' }), 'primary');
  assert.deepEqual([info.min, info.max, info.depth, info.height, info.width], [0, D * H * W - 1, D, H, W]);
  assert.ok(store.get(info.stackId).data.buffer instanceof SharedArrayBuffer);
  const at = (z: number, y: number, x: number) => z * H * W + y * W + x;

  const z = store.planes(info.stackId, 'z', 1, 2);
  assert.deepEqual([z.rows, z.cols, z.data.length], [H, W, 2 * H * W]);
  assert.equal(z.data[0], at(1, 0, 0));
  assert.ok(!(z.data.buffer instanceof SharedArrayBuffer), 'a copy, safe to transfer');

  const y = store.planes(info.stackId, 'y', 2, 1);
  assert.deepEqual([y.rows, y.cols], [D, W]);
  for (let zz = 0; zz < D; zz++) for (let x = 0; x < W; x++) assert.equal(y.data[zz * W + x], at(zz, 2, x));

  const x = store.planes(info.stackId, 'x', 3, 2);
  assert.deepEqual([x.rows, x.cols], [D, H]);
  for (let c = 0; c < 2; c++) for (let zz = 0; zz < D; zz++) for (let yy = 0; yy < H; yy++) assert.equal(x.data[c * D * H + zz * H + yy], at(zz, yy, 3 + c));

  assert.throws(() => store.planes(info.stackId, 'x', 4, 2), /outside 0…4/);
  assert.equal(store.remove(info.stackId), true);
  assert.deepEqual(events, ['stack:added', 'stack:removed']);
});
