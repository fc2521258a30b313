/**
 * The same training graph on ONNX Runtime's WebGPU provider (Mesa's software Vulkan llvmpipe in CI,
 * scripts/setup.d/mesa-vulkan.sh) and on the CPU provider: a few Adam steps from the same weights
 * on the same batches give the same losses and weights within 1e-4 relative. Skipped, with the
 * reason, where no WebGPU adapter loads.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { OnnxTrainEngine } from '../../../main/engine/onnx/train/index.ts';
import { type Batch, DEFAULT_ADAM } from '../../../main/engine/types.ts';
import { randomArray, relErr } from './reference.ts';

// Dawn/Mesa want a writable runtime dir; CI containers often have none.
process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'n2s-xdg-'));

test('WebGPU provider: 3 training steps equal the CPU provider within 1e-4', async (t) => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1], widthScale: 0.125 });
  const size = 16;
  const batches: Batch[] = [0, 1, 2].map((k) => ({
    x: randomArray(2 * size * size * 2, 30 + k),
    y: randomArray(2 * size * size, 40 + k),
    n: 2,
    h: size,
    w: size,
    cin: 2,
  }));
  const notes: string[] = [];
  const gpu = new OnnxTrainEngine();
  await gpu.init(spec, initWeights(spec, 5), { adam: DEFAULT_ADAM, provider: 'webgpu', maxBatch: 2, patch: size, log: (l) => notes.push(l) });
  if (gpu.describe().provider !== 'webgpu') {
    gpu.dispose();
    t.skip(`no WebGPU adapter here: ${notes.join('; ') || 'fell back to cpu'}`);
    return;
  }
  const cpu = new OnnxTrainEngine();
  await cpu.init(spec, initWeights(spec, 5), { adam: DEFAULT_ADAM, provider: 'cpu', maxBatch: 2, patch: size });
  for (const b of batches) {
    const lg = await gpu.step(b, 1e-3);
    const lc = await cpu.step(b, 1e-3);
    assert.ok(Math.abs(lg - lc) <= 1e-4 * Math.abs(lc), `loss webgpu ${lg} vs cpu ${lc}`);
  }
  const wg = await gpu.getWeights();
  const wc = await cpu.getWeights();
  for (const [name, w] of wc) {
    const e = relErr((wg.get(name) as { data: Float32Array }).data, w.data);
    assert.ok(e < 1e-4, `${name}: webgpu vs cpu weights differ by ${e} (relative)`);
  }
  assert.ok(relErr(new Float32Array([await gpu.evaluate(batches[0])]), new Float32Array([await cpu.evaluate(batches[0])])) < 1e-4);
  gpu.dispose();
  cpu.dispose();
});

test('a provider that does not load falls back to the CPU provider with a one-line notice', async () => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 1, widthScale: 0.125 });
  const notes: string[] = [];
  const e = new OnnxTrainEngine();
  // onnxruntime-node on Linux x64 does not bundle CUDA (and it is not installed here).
  await e.init(spec, initWeights(spec, 1), { adam: DEFAULT_ADAM, provider: 'cuda', maxBatch: 1, patch: 8, log: (l) => notes.push(l) });
  const d = e.describe();
  if (d.provider === 'cuda') {
    e.dispose();
    return; // a machine with CUDA 12 and the provider library installed: nothing to fall back from
  }
  assert.equal(d.provider, 'cpu');
  assert.match(d.note ?? '', /cuda provider unavailable/);
  assert.equal(notes.length, 1);
  assert.ok(!notes[0].includes('\n'));
  e.dispose();
  await assert.rejects(new OnnxTrainEngine().init(spec, initWeights(spec, 1), { adam: DEFAULT_ADAM, provider: 'tpu', maxBatch: 1, patch: 8 }), /unknown ONNX Runtime provider "tpu"/);
});
