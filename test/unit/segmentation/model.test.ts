/**
 * A user-supplied tfjs layers model: a 1×1 convolution with a sigmoid, weight 20 and bias 0, so
 * probability > 0.5 exactly where the standardised plane is > 0, i.e. above the plane's mean.
 * The model path must then agree with the classic pipeline at a fixed threshold = plane mean.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../../main/engine/tfjs/backend.ts';
import { loadSegmentationModel, modelKind } from '../../../main/segment/model.ts';
import { segmentStack } from '../../../main/segment/segment-stack.ts';
import { segmentNuclei } from '../../../shared/segmentation/index.ts';
import { makeStack } from '../../../shared/stack.ts';
import { syntheticNuclei } from './synthetic-nuclei.ts';

async function saveTinyModel(dir: string): Promise<void> {
  const input = tf.input({ shape: [null, null, 1] });
  const conv = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', weights: [tf.tensor4d([20], [1, 1, 1, 1]), tf.tensor1d([0])] });
  const model = tf.model({ inputs: input, outputs: conv.apply(input) as tf.SymbolicTensor });
  await model.save(
    tf.io.withSaveHandler(async (art) => {
      const data = art.weightData as ArrayBuffer;
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(data));
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({ format: 'layers-model', modelTopology: art.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }] }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
}

test('tfjs layers model: per-plane standardisation + 0.5 threshold equals a mean threshold', async () => {
  await selectBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'n2s-segmodel-'));
  try {
    await saveTinyModel(dir);
    const g = syntheticNuclei({ seed: 4, depth: 2, height: 50, width: 70, pairs: 1, singles: 4 });
    const stack = makeStack(g.depth, g.height, g.width, g.noisy(6, 3), { name: 'noisy.tif' });
    const model = await loadSegmentationModel(dir, 'cpu');
    assert.equal(model.kind, 'layers');
    const before = tf.memory().numTensors;
    const r = await segmentStack(stack, { model, options: { minSize: 20, mode: '2d' } });
    assert.equal(tf.memory().numTensors, before, 'no tensor leak per plane');
    model.dispose();
    assert.equal(r.method, 'model');
    const np = g.height * g.width;
    for (let z = 0; z < g.depth; z++) {
      const p = stack.data.subarray(z * np, (z + 1) * np);
      const mean = p.reduce((a, b) => a + b, 0) / np;
      const ref = segmentNuclei(p, { depth: 1, height: g.height, width: g.width }, { sigma: 0, threshold: mean, minSize: 20 });
      const got = r.labels.subarray(z * np, (z + 1) * np);
      let diff = 0;
      for (let i = 0; i < np; i++) if (got[i]! > 0 !== ref.labels[i]! > 0) diff++;
      assert.ok(ref.count > 0);
      // float32 standardisation in the model vs the exact mean here may flip a pixel at the edge.
      assert.ok(diff <= 2, `plane ${z}: ${diff} pixels differ`);
      assert.equal(r.perPlane[z]!.count, ref.count);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('model folder errors are one clear line; graph vs layers is told from model.json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-segmodel-'));
  try {
    await assert.rejects(loadSegmentationModel(dir, 'cpu'), /no model.json in/);
    writeFileSync(join(dir, 'model.json'), '{"hello": 1}');
    await assert.rejects(loadSegmentationModel(dir, 'cpu'), /is not a TensorFlow.js model/);
    assert.equal(modelKind({ format: 'graph-model', modelTopology: {} }), 'graph');
    assert.equal(modelKind({ modelTopology: { node: [] } }), 'graph');
    assert.equal(modelKind({ modelTopology: { class_name: 'Model' } }), 'layers');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A hand-written tfjs graph model (what tensorflowjs_converter emits for a SavedModel): placeholder
 * x, a constant w = 20, Mul, Sigmoid. Its probability is > 0.5 exactly above the plane's mean.
 */
function saveTinyGraphModel(dir: string): void {
  const modelTopology = {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '-1' }, { size: '-1' }, { size: '1' }] } } } },
      { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } } } },
      { name: 'mul', op: 'Mul', input: ['x', 'w'], attr: { T: { type: 'DT_FLOAT' } } },
      { name: 'prob', op: 'Sigmoid', input: ['mul'], attr: { T: { type: 'DT_FLOAT' } } },
    ],
    versions: { producer: 1 },
  };
  writeFileSync(join(dir, 'w.bin'), Buffer.from(new Float32Array([20]).buffer));
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({ format: 'graph-model', modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'w', shape: [], dtype: 'float32' }] }] }),
  );
}

test('tfjs graph model: loaded as a graph model, same masks as a mean threshold', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-seggraph-'));
  try {
    saveTinyGraphModel(dir);
    const model = await loadSegmentationModel(dir, 'cpu');
    assert.equal(model.kind, 'graph');
    const p = await model.predictPlane(Float32Array.from([0, 1, 2, 3]), 2, 2);
    assert.deepEqual(Array.from(p, (v) => v > 0.5), [false, false, true, true]);
    const g = syntheticNuclei({ seed: 6, depth: 1, height: 40, width: 56, pairs: 1, singles: 2 });
    const stack = makeStack(1, g.height, g.width, g.noisy(6, 4), { name: 'one.tif' });
    const r = await segmentStack(stack, { model, options: { minSize: 20 } });
    model.dispose();
    const mean = stack.data.reduce((a, b) => a + b, 0) / stack.data.length;
    const ref = segmentNuclei(stack.data, { depth: 1, height: g.height, width: g.width }, { sigma: 0, threshold: mean, minSize: 20 });
    assert.equal(r.count, ref.count);
    assert.ok(r.count > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
