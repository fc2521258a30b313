import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createViewerStore } from '../../../renderer/state/layers.ts';
import { memoryStorage, storageKey } from '../../../renderer/state/persist.ts';

const dims = { depth: 3, height: 4, width: 5 };
const ramp = (scale: number): Float32Array => Float32Array.from({ length: 60 }, (_, i) => i * scale);

test('layers: add, readout at the cursor, reorder, rename, remove', () => {
  const v = createViewerStore({ sessionId: 't1', storage: memoryStorage() });
  const a = v.addImageLayer({ name: 'raw', data: ramp(1), dims, spacing: { z: 3, y: 1, x: 1 }, unit: 'micron' });
  const b = v.addImageLayer({ name: 'denoised', data: ramp(2), dims });
  assert.deepEqual(v.get().cursor, { z: 1, y: 2, x: 2 }); // centre of the first stack
  v.setCursor({ z: 2, y: 3, x: 4 });
  assert.deepEqual(v.valuesAt().map((x) => x.value), [59, 118]);
  assert.deepEqual(v.physicalPosition(), { z: 6, y: 3, x: 4, unit: 'micron' });
  v.setCursor({ z: 9, y: -2, x: 1 }); // clamped to the stack
  assert.deepEqual(v.get().cursor, { z: 2, y: 0, x: 1 });
  v.reorder(b, 0);
  assert.deepEqual(v.get().layers.map((l) => l.name), ['denoised', 'raw']);
  v.rename(a, 'low exposure');
  assert.throws(() => v.rename(b, 'low exposure'), /exists already/);
  v.updateLayer(a, { visible: false });
  assert.deepEqual(v.valuesAt().map((x) => x.name), ['denoised']);
  v.remove(b);
  assert.deepEqual(v.get().layers.map((l) => l.name), ['low exposure']);
  assert.throws(() => v.addImageLayer({ name: 'bad', data: new Float32Array(7), dims }), /expected 3×4×5/);
});

test('auto-contrast at chosen percentiles, sync contrast across image layers', () => {
  const v = createViewerStore({ sessionId: 't2', storage: memoryStorage() });
  const a = v.addImageLayer({ name: 'a', data: ramp(1), dims });
  const b = v.addImageLayer({ name: 'b', data: ramp(10), dims });
  v.autoContrast(a, [0, 100]);
  const la = v.get().layers[0];
  assert.equal(la.kind, 'image');
  if (la.kind === 'image') assert.deepEqual(la.contrastLimits, [0, 59]);
  v.autoContrast(a, [25, 75]); // ranks 14.75 and 44.25 of 0…59
  if (v.get().layers[0].kind === 'image') assert.deepEqual((v.get().layers[0] as { contrastLimits: number[] }).contrastLimits, [14.75, 44.25]);
  v.setSyncContrast(true);
  v.updateLayer(a, { contrastLimits: [5, 6], gamma: 2 });
  const lb = v.get().layers.find((l) => l.id === b);
  assert.ok(lb && lb.kind === 'image' && lb.contrastLimits[0] === 5 && lb.gamma === 2);
  // a difference layer keeps its symmetric limits when intensity layers change
  const d = v.addDifferenceLayer(a, b);
  const before = v.get().layers.find((l) => l.id === d);
  v.updateLayer(a, { contrastLimits: [1, 2] });
  assert.equal(v.get().layers.find((l) => l.id === d), before);
});

test('difference and residual layers use the diverging map with symmetric limits', () => {
  const v = createViewerStore({ sessionId: 't3', storage: memoryStorage() });
  const a = v.addImageLayer({ name: 'a', data: ramp(2), dims });
  const b = v.addImageLayer({ name: 'b', data: ramp(1), dims });
  const d = v.addDifferenceLayer(a, b);
  const ld = v.get().layers.find((l) => l.id === d);
  assert.ok(ld && ld.kind === 'image');
  if (ld?.kind === 'image') {
    assert.equal(ld.colormap, 'diverging');
    assert.equal(ld.contrastLimits[0], -ld.contrastLimits[1]);
    assert.equal(ld.data[59], 59);
  }
  const r = v.addResidualLayer(a);
  const lr = v.get().layers.find((l) => l.id === r);
  // ramp(2) is linear in z, so interior planes have zero residual
  if (lr?.kind === 'image') assert.equal(lr.data[20 + 7], 0);
});

test('labels layer stores Uint32 labels and its display options', () => {
  const v = createViewerStore({ sessionId: 't4', storage: memoryStorage() });
  v.addImageLayer({ name: 'img', data: ramp(1), dims });
  const lab = new Uint16Array(60);
  lab[5] = 7;
  const id = v.addLabelsLayer({ name: 'cells', data: lab, dims });
  v.updateLayer(id, { contour: true, selectedLabel: 7 });
  const l = v.get().layers.find((x) => x.id === id);
  assert.ok(l?.kind === 'labels' && l.data instanceof Uint32Array && l.data[5] === 7 && l.contour);
  // flat index 5 = (z 0, y 1, x 0); picking background clears the selection
  assert.equal(v.pickLabel(id, { z: 0, y: 0, x: 1 }), null);
  assert.equal(v.pickLabel(id, { z: 0, y: 1, x: 0 }), 7);
  const picked = v.get().layers.find((x) => x.id === id);
  assert.ok(picked?.kind === 'labels' && picked.selectedLabel === 7);
  assert.throws(() => v.pickLabel(v.get().layers[0].id, { z: 0, y: 0, x: 0 }), /labels layer only/);
});

test('display state persists per session and is restored when the layer returns', () => {
  const storage = memoryStorage();
  const v1 = createViewerStore({ sessionId: 's', storage });
  const a = v1.addImageLayer({ name: 'raw', data: ramp(1), dims });
  v1.addImageLayer({ name: 'ref', data: ramp(1), dims });
  v1.updateLayer(a, { colormap: 'magma', gamma: 0.5, contrastLimits: [3, 30], opacity: 0.4 });
  v1.reorder(a, 1);
  v1.setMode('grid');
  assert.ok(!(storage.map.get(storageKey('s')) ?? '').includes('"data"'), 'no pixel data in storage');

  const v2 = createViewerStore({ sessionId: 's', storage });
  v2.addImageLayer({ name: 'raw', data: ramp(1), dims });
  v2.addImageLayer({ name: 'ref', data: ramp(1), dims });
  const raw = v2.get().layers.find((l) => l.name === 'raw');
  assert.ok(raw?.kind === 'image');
  if (raw?.kind === 'image') {
    assert.equal(raw.colormap, 'magma');
    assert.equal(raw.gamma, 0.5);
    assert.deepEqual(raw.contrastLimits, [3, 30]);
  }
  assert.deepEqual(v2.get().layers.map((l) => l.name), ['ref', 'raw']);
  assert.equal(v2.get().mode, 'grid');
  // another session starts fresh; corrupt storage is ignored
  assert.equal(createViewerStore({ sessionId: 'other', storage }).get().mode, 'ortho');
  storage.setItem(storageKey('bad'), '{"version":1,"layers":5}');
  assert.equal(createViewerStore({ sessionId: 'bad', storage }).get().mode, 'ortho');
});
