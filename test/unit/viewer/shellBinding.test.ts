import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { N2sApi } from '../../../shared/ipc/api.ts';
import type { StackInfo } from '../../../shared/ipc/stacks.ts';
import { Workspace as ShellWorkspace } from '../../../renderer/shell/workspace.ts';
import { bindViewerToShell, fetchStackData } from '../../../renderer/viewer/shellBinding.ts';
import { memoryStorage } from '../../../renderer/state/persist.ts';

// A fake main process: one 5×3×4 stack served plane by plane, events sent by hand.
const dims = { depth: 5, height: 3, width: 4 };
const data = Float32Array.from({ length: 60 }, (_, i) => i * 0.5);
const info: StackInfo = {
  stackId: 's1',
  name: 'embryo.tif',
  depth: 5,
  height: 3,
  width: 4,
  meta: {
    name: 'embryo.tif',
    dtype: 'uint16',
    voxelSize: { z: 2, y: 0.5, x: 0.5, unit: 'micron' },
    flavour: 'imagej',
    sourceAxes: 'ZYX',
    sourceShape: [5, 3, 4],
  },
  role: 'primary',
  min: 0,
  max: 29.5,
};

function fakeMain() {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const requests: Array<{ start: number; count: number }> = [];
  const api = {
    transport: 'bridge' as const,
    async invoke(channel: string, req: { start: number; count: number }): Promise<unknown> {
      if (channel === 'stack:list' || channel === 'jobs:list') return [];
      if (channel === 'stack:planes') {
        requests.push({ start: req.start, count: req.count });
        const n = dims.height * dims.width;
        return { axis: 'z', start: req.start, count: req.count, rows: 3, cols: 4, data: data.slice(req.start * n, (req.start + req.count) * n) };
      }
      throw new Error(`unexpected ${channel}`);
    },
    on(channel: string, l: (p: unknown) => void): () => void {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(l);
      return () => listeners.get(channel)?.delete(l);
    },
  };
  const emit = (channel: string, payload: unknown): void => listeners.get(channel)?.forEach((l) => l(payload));
  return { api: api as unknown as N2sApi, emit, requests };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

test('every stack main holds becomes a layer with its voxels, spacing and dtype; closing removes it', async () => {
  (globalThis as { localStorage?: unknown }).localStorage = memoryStorage();
  const main = fakeMain();
  const ws = new ShellWorkspace(main.api);
  const { viewer, layerOf } = bindViewerToShell(ws);
  assert.equal(bindViewerToShell(ws).viewer, viewer, 'one store per shell workspace');
  await settle(); // the shell's initial stack:list reply
  main.emit('stack:added', info);
  await settle();
  const layers = viewer.get().layers;
  assert.equal(layers.length, 1);
  const l = layers[0];
  assert.ok(l.kind === 'image');
  if (l.kind === 'image') {
    assert.deepEqual([...l.data], [...data]);
    assert.deepEqual(l.spacing, { z: 2, y: 0.5, x: 0.5 });
    assert.equal(l.unit, 'micron');
    assert.equal(l.dtype, 'uint16');
    assert.equal(l.name, 'embryo.tif');
  }
  assert.equal(layerOf.get('s1'), l.id);
  assert.equal(viewer.get().selectedLayerId, l.id, 'the active stack is the selected layer');
  main.emit('stack:added', { ...info, stackId: 'r1', name: 'embryo-n2s.tif', role: 'result', jobId: 'j1' });
  await settle();
  assert.deepEqual(viewer.get().layers.map((x) => x.name), ['embryo.tif', 'embryo-n2s.tif']);
  // selecting a layer makes its stack the shell's active stack, and back
  const resultLayer = layerOf.get('r1');
  assert.ok(resultLayer);
  assert.equal(ws.snapshot.activeStackId, 'r1');
  viewer.select(l.id);
  assert.equal(ws.snapshot.activeStackId, 's1');
  ws.set({ activeStackId: 'r1' });
  assert.equal(viewer.get().selectedLayerId, resultLayer);
  main.emit('stack:removed', { stackId: 's1' });
  await settle();
  assert.deepEqual(viewer.get().layers.map((x) => x.name), ['embryo-n2s.tif']);
  main.emit('stack:added', { ...info, stackId: 'c2', name: 'embryo-2.tif', role: 'second-copy' });
  await settle();
  assert.equal(viewer.get().layers.at(-1)?.name, 'embryo-2.tif (second-copy)');
  // a segmentation result (meta.labels) becomes a labels layer with integer ids
  main.emit('stack:added', { ...info, stackId: 'l1', name: 'embryo labels', role: 'result', meta: { ...info.meta, labels: true } });
  await settle();
  const lab = viewer.get().layers.at(-1);
  assert.ok(lab?.kind === 'labels' && lab.data instanceof Uint32Array);
  if (lab?.kind === 'labels') assert.deepEqual([...lab.data.subarray(0, 5)], [0, 0, 1, 1, 2]); // from 0, .5, 1, 1.5, 2
  delete (globalThis as { localStorage?: unknown }).localStorage;
});

test('stack voxels are fetched in chunks of whole planes', async () => {
  const main = fakeMain();
  const got = await fetchStackData(main.api, info, 24); // 2 planes of 12 values per request
  assert.deepEqual(main.requests, [{ start: 0, count: 2 }, { start: 2, count: 2 }, { start: 4, count: 1 }]);
  assert.deepEqual([...got], [...data]);
});

test('a listener that throws does not keep the others (the window among them) from the new state', async () => {
  const main = fakeMain();
  const ws = new ShellWorkspace(main.api);
  await settle(); // the initial stack and job lists
  const seen: number[] = [];
  const stop = ws.subscribe(() => {
    throw new Error('a broken panel');
  });
  ws.subscribe(() => seen.push(ws.snapshot.stacks.length));
  // The error still reaches the caller (the page's error reporting), after every listener ran.
  assert.throws(() => main.emit('stack:added', info), /a broken panel/);
  assert.deepEqual(seen, [1]);
  assert.throws(() => main.emit('stack:removed', { stackId: 's1' }), /a broken panel/);
  assert.deepEqual(seen, [1, 0], 'the empty window is seen, so the welcome can come back');
  stop();
});
