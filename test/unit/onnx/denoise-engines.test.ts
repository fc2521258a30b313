/**
 * Whole-stack denoising through the shared tiled predictor (predict.ts) on ONNX Runtime and on tfjs
 * gives the same stack; createPredictor() follows issue 10's auto order and falls back with a
 * message when a requested provider does not load.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../../shared/random.ts';
import { createPredictor } from '../../../main/engine/engines.ts';
import { fitNormalisation } from '../../../main/engine/normalise.ts';
import { denoiseStack } from '../../../main/engine/predict.ts';
import { python, relativeError } from './helpers.ts';
import { saveTinyModel, tinyModel } from './model-fixture.ts';

/** A seeded stack in raw counts: smooth structure drifting along z plus noise; odd sizes on purpose. */
function seededStack(depth: number, height: number, width: number): Float32Array {
  const rng = createRng(42);
  const out = new Float32Array(depth * height * width);
  for (let z = 0; z < depth; z++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const s = 400 + 300 * Math.sin((x + 2 * z) / 7) * Math.cos((y - z) / 9);
        out[(z * height + y) * width + x] = s + 60 * (rng.next() - 0.5);
      }
  return out;
}

test('--engine onnx and --engine tfjs denoise a seeded stack to the same result (1e-4 relative)', async () => {
  const m = tinyModel('csbdeep', 1, 21);
  const shape = { depth: 4, height: 150, width: 134 };
  const data = seededStack(shape.depth, shape.height, shape.width);
  // 2×2 tiles of 128² per plane (the overlap covers the receptive field), 3 tiles per batch: every
  // plane ends with a partial batch, so batching and blending are exercised on both engines.
  const opts = { spec: m.spec, layout: m.layout, normalisation: fitNormalisation('percentile', data), tile: 128, batchTiles: 3 };
  const results: Float32Array[] = [];
  for (const engine of ['onnx', 'tfjs'] as const) {
    const { predictor, report } = await createPredictor(m.spec, m.weights, { engine, provider: 'cpu', backend: 'cpu' });
    assert.equal(report.engine, engine);
    results.push(await denoiseStack(predictor, data, shape, opts));
    predictor.dispose();
  }
  const err = relativeError(results[0], results[1]);
  assert.ok(err < 1e-4, `onnx vs tfjs relative difference ${err}`);
  // The comparison is meaningful: the network changes the stack.
  assert.ok(relativeError(results[0], data) > 1e-2);
});

test('auto: ONNX Runtime is chosen where no GPU provider is faster and tfjs-node-gpu is absent, with reasons', async () => {
  const m = tinyModel('csbdeep', 1, 5);
  const lines: string[] = [];
  const { predictor, report, tried } = await createPredictor(m.spec, m.weights, { engine: 'auto', log: (l) => lines.push(l) });
  predictor.dispose();
  // On this machine class: no CUDA/DirectML, WebGPU only on a software adapter, no tfjs-node-gpu.
  assert.equal(report.engine, 'onnx');
  assert.ok(report.provider === 'cpu' || report.provider === 'webgpu');
  if (report.provider === 'cpu') {
    assert.ok(tried.some((t) => t.startsWith('tfjs tensorflow-gpu:')), tried.join('; '));
    assert.match(report.note ?? '', /webgpu/);
    assert.ok(lines.length >= 1);
  }
});

test('a requested provider that fails to load falls back to the CPU provider with one message', async () => {
  const m = tinyModel('csbdeep', 1, 5);
  const lines: string[] = [];
  const missing = process.platform === 'win32' ? 'coreml' : 'dml';
  const { predictor, report } = await createPredictor(m.spec, m.weights, { engine: 'onnx', provider: missing, log: (l) => lines.push(l) });
  const y = await predictor.predictBatch(new Float32Array(2 * 32 * 32).fill(0.5), 1, 32, 32, 2);
  predictor.dispose();
  assert.equal(y.length, 32 * 32);
  assert.equal(report.provider, 'cpu');
  assert.equal(lines.length, 1);
  assert.match(lines[0], new RegExp(`provider ${missing} did not load, falling back to cpu`));
});

test('n2s denoise --engine onnx and --engine tfjs write the same stack, and --json names engine and provider', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-denoise-engines-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const model = join(dir, 'model');
  await saveTinyModel(model, tinyModel('csbdeep', 1, 13));
  const input = join(dir, 'noisy.tif');
  // The stack is written by Debian's tifffile, independently of this project's TIFF code.
  python(
    `import sys, numpy as np, tifffile
rng = np.random.default_rng(0)
z, y, x = np.mgrid[0:5, 0:90, 0:70]
a = (400 + 300 * np.sin((x + 2 * z) / 7) * np.cos((y - z) / 9) + rng.normal(0, 20, z.shape)).astype(np.uint16)
tifffile.imwrite(sys.argv[1], a, imagej=True, metadata={"axes": "ZYX"})`,
    [input],
  );
  const n2s = fileURLToPath(new URL('../../../bin/n2s.mjs', import.meta.url));
  const results: Record<string, { engine: string; provider: string | null; seconds: number; planes_per_second: number }> = {};
  for (const engine of ['onnx', 'tfjs']) {
    const out = join(dir, `${engine}.tif`);
    const r = spawnSync(process.execPath, [n2s, 'denoise', '--model', model, '--input', input, '--output', out, '--engine', engine, '--provider', 'cpu', '--backend', 'cpu', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    results[engine] = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  }
  assert.equal(results.onnx.engine, 'onnx');
  assert.equal(results.onnx.provider, 'cpu');
  assert.equal(results.tfjs.engine, 'tfjs');
  for (const r of Object.values(results)) assert.ok(r.seconds > 0 && r.planes_per_second > 0);
  const cmp = JSON.parse(
    python(
      `import sys, json, tifffile, numpy as np
a, b, s = (tifffile.imread(p).astype(np.float64) for p in sys.argv[1:4])
print(json.dumps({"rel": float(np.abs(a - b).max() / np.abs(b).max()), "changed": float(np.abs(a - s).max() / np.abs(s).max()), "shape": list(a.shape)}))`,
      [join(dir, 'onnx.tif'), join(dir, 'tfjs.tif'), input],
    ),
  ) as { rel: number; changed: number; shape: number[] };
  assert.deepEqual(cmp.shape, [5, 90, 70]);
  assert.ok(cmp.rel < 1e-4, `onnx vs tfjs: ${cmp.rel}`);
  assert.ok(cmp.changed > 1e-2);
});
