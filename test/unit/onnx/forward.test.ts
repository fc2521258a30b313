/**
 * The ONNX forward graph: valid by Debian's python3-onnx checker, named input/output with dynamic
 * batch/height/width, and the same predictions as the tfjs model built from the same ArchSpec and
 * the same named weights (both U-Nets, tiny widths, seeded random input).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { type ArchSpec, buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { buildForwardModel, FORWARD_OPSET, hwioToOihw } from '../../../main/engine/onnx/forward.ts';
import { createOnnxPredictorFromWeights } from '../../../main/engine/onnx/predictor.ts';
import { TfjsPredictor } from '../../../main/engine/tfjs/engine.ts';
import { nhwcToNchw, python, relativeError, seededUniform } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'n2s-onnx-forward-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SPECS: [string, ArchSpec][] = [
  ['csbdeep (residual, 4 input planes)', buildArch({ arch: 'csbdeep', inChannels: 4, residualChannels: [1, 2], widthScale: 0.25 })],
  ['n2n (2 input planes)', buildArch({ arch: 'n2n', inChannels: 2, widthScale: 0.125 })],
];

test('hwioToOihw moves every element to [o][i][y][x]', () => {
  const shape = [3, 3, 2, 5];
  const src = Float32Array.from({ length: 90 }, (_, i) => i);
  const { dims, data } = hwioToOihw(src, shape);
  assert.deepEqual(dims, [5, 2, 3, 3]);
  for (const [y, x, i, o] of [[0, 0, 0, 0], [2, 1, 1, 4], [1, 2, 0, 3]]) {
    assert.equal(data[((o * 2 + i) * 3 + y) * 3 + x], src[((y * 3 + x) * 2 + i) * 5 + o]);
  }
});

for (const [label, spec] of SPECS) {
  describe(`forward graph, ${label}`, () => {
    const weights = initWeights(spec, 7);
    // Non-zero biases, so a bias layout error cannot hide behind Glorot's zero biases.
    for (const [name, w] of weights) if (name.endsWith('/bias')) w.data.set(seededUniform(w.data.length, 11, -0.1, 0.1));
    const bytes = buildForwardModel(spec, weights);

    test('passes onnx.checker.check_model (full_check) with named, dynamic input/output', () => {
      const file = join(dir, `${spec.arch}.onnx`);
      writeFileSync(file, bytes);
      const out = python(
        `import json, sys, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
print(json.dumps({"opset": [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0],
  "inputs": [[v.name, dims(v)] for v in m.graph.input], "outputs": [[v.name, dims(v)] for v in m.graph.output]}))`,
        [file],
      );
      const info = JSON.parse(out) as { opset: number; inputs: [string, (string | number)[]][]; outputs: [string, (string | number)[]][] };
      assert.equal(info.opset, FORWARD_OPSET);
      assert.deepEqual(info.inputs, [['input', ['batch', spec.inChannels, 'height', 'width']]]);
      assert.deepEqual(info.outputs, [['output', ['batch', 1, 'height', 'width']]]);
    });

    test('ONNX Runtime agrees with tfjs (cpu backend) to 1e-4 relative on random input', async () => {
      const [n, h, w, c] = [2, 64, 96, spec.inChannels];
      const x = seededUniform(n * h * w * c, 3);
      const tfjs = await TfjsPredictor.create(spec, weights, 'cpu');
      const ref = await tfjs.predictBatch(x, n, h, w, c);
      tfjs.dispose();
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ input: new ort.Tensor('float32', nhwcToNchw(x, n, h, w, c), [n, c, h, w]) });
      await session.release();
      // output is [n,1,h,w], which has the same memory order as NHWC [n,h,w,1].
      const err = relativeError(out.output.data as Float32Array, ref);
      assert.ok(err < 1e-4, `relative error ${err}`);
      if (process.env.N2S_VERBOSE) console.log(spec.arch, { err, max: Math.max(...ref) });
      // The weights must matter: a network with other weights differs by far more.
      const other = await createOnnxPredictorFromWeights(spec, initWeights(spec, 8), { provider: 'cpu' });
      const differs = relativeError(await other.predictBatch(x, n, h, w, c), ref);
      other.dispose();
      assert.ok(differs > 1e-2, `a differently seeded network differs by only ${differs}`);

      const pred = await createOnnxPredictorFromWeights(spec, weights, { provider: 'cpu' });
      const nhwcErr = relativeError(await pred.predictBatch(x, n, h, w, c), ref);
      pred.dispose();
      assert.ok(nhwcErr < 1e-4, `NHWC predictor relative error ${nhwcErr}`);
    });
  });
}
