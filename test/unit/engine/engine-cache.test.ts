/**
 * The per-machine answer to `--engine auto` (main/engine/engine-cache.ts): kept in the cache
 * folder, void when its key (versions, platform, CPU) does not match, harmless when unreadable,
 * used by loadPredictor's auto choice and refreshed from `n2s engines --bench` measurements.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { choiceFromBench, engineCachePath, machineKey, readEngineChoice, readOnnxProvider, writeEngineChoice, writeOnnxProvider } from '../../../main/engine/engine-cache.ts';
import { loadPredictor } from '../../../main/engine/predictor.ts';
import { saveModel } from '../../../main/engine/model-store.ts';
import { buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { TrainingConfig } from '../../../shared/config/training.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'n2s-engine-cache-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('the cache file lives in N2S_CACHE_DIR, else the platform’s per-user cache folder', () => {
  assert.equal(engineCachePath({ N2S_CACHE_DIR: '/x/y' }), '/x/y/engines.json');
  if (process.platform === 'linux') {
    assert.equal(engineCachePath({ XDG_CACHE_HOME: '/c' }), '/c/noise2stack/engines.json');
    assert.match(engineCachePath({}), /\/\.cache\/noise2stack\/engines\.json$/);
  }
});

test('an answer written is read back on this machine; another key, a broken file or N2S_ENGINE_CACHE=off give none', () => {
  const env = { N2S_CACHE_DIR: tmp() };
  assert.equal(readEngineChoice(env), null);
  writeEngineChoice({ engine: 'onnx', provider: 'cpu' }, 'auto', env);
  assert.deepEqual(readEngineChoice(env), { engine: 'onnx', provider: 'cpu' });
  const file = JSON.parse(readFileSync(engineCachePath(env), 'utf8')) as { key: string; source: string };
  assert.equal(file.key, machineKey());
  assert.match(file.key, /onnxruntime-node \d+\.\d+/);
  assert.equal(file.source, 'auto');

  writeFileSync(engineCachePath(env), JSON.stringify({ ...file, key: file.key.replace(/onnxruntime-node [^;]+/, 'onnxruntime-node 0.0.1') }));
  assert.equal(readEngineChoice(env), null, 'another onnxruntime-node version voids the answer');
  writeFileSync(engineCachePath(env), '{"key": ');
  assert.equal(readEngineChoice(env), null);
  writeFileSync(engineCachePath(env), JSON.stringify({ ...file, predict: { engine: 'gpu-magic' } }));
  assert.equal(readEngineChoice(env), null);

  const off = { N2S_CACHE_DIR: tmp(), N2S_ENGINE_CACHE: 'off' };
  writeEngineChoice({ engine: 'tfjs', backend: 'wasm' }, 'auto', off);
  assert.equal(existsSync(engineCachePath(off)), false);
});

test('the ONNX provider verdict sits beside auto’s answer; auto’s ONNX answer serves as one; a bench drops it', () => {
  const env = { N2S_CACHE_DIR: tmp() };
  assert.equal(readOnnxProvider(env), null);
  writeOnnxProvider('webgpu', env);
  assert.equal(readOnnxProvider(env), 'webgpu');
  assert.equal(readEngineChoice(env), null);
  writeEngineChoice({ engine: 'tfjs', backend: 'tensorflow-gpu' }, 'auto', env);
  assert.equal(readOnnxProvider(env), 'webgpu', 'auto’s answer keeps the verdict');
  assert.deepEqual(readEngineChoice(env), { engine: 'tfjs', backend: 'tensorflow-gpu' });
  writeEngineChoice({ engine: 'onnx', provider: 'cpu' }, 'bench', env);
  assert.equal(readOnnxProvider(env), 'cpu', 'the bench’s fresh ONNX answer replaces the verdict');
  writeEngineChoice({ engine: 'tfjs', backend: 'wasm' }, 'bench', env);
  assert.equal(readOnnxProvider(env), null);
});

test('the bench answer is the fastest engine timed on the full-size plane, auto’s order within 20 %', () => {
  const rows = [
    { engine: 'onnx' as const, name: 'cpu', status: 'ok', seconds: 0.05, size: 128 },
    { engine: 'onnx' as const, name: 'webgpu', status: 'ok', seconds: 0.2, size: 128 },
    { engine: 'onnx' as const, name: 'cuda', status: 'unavailable' },
    { engine: 'tfjs' as const, name: 'wasm', status: 'ok', seconds: 0.04, size: 128 },
    { engine: 'tfjs' as const, name: 'cpu', status: 'ok', seconds: 0.01, size: 64 },
  ];
  assert.deepEqual(choiceFromBench(rows), { engine: 'tfjs', backend: 'wasm' });
  // Within 20 % of the fastest, auto's order decides (ONNX Runtime's CPU before tfjs on WASM).
  assert.deepEqual(choiceFromBench(rows.map((r) => (r.name === 'cpu' && r.engine === 'onnx' ? { ...r, seconds: 0.045 } : r))), { engine: 'onnx', provider: 'cpu' });
  assert.deepEqual(choiceFromBench([...rows, { engine: 'onnx', name: 'webgpu', status: 'ok', seconds: 0.047, size: 128 }]), { engine: 'onnx', provider: 'webgpu' });
  assert.deepEqual(choiceFromBench(rows.slice(0, 3)), { engine: 'onnx', provider: 'cpu' });
  assert.equal(choiceFromBench([{ engine: 'onnx', name: 'cpu', status: 'ok' }]), null);
});

test('loadPredictor’s auto choice is remembered, then answered from the cache', async () => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1], widthScale: 0.125 });
  const modelDir = tmp();
  await saveModel(modelDir, {
    spec,
    weights: initWeights(spec, 1),
    config: {
      training: TrainingConfig.parse({ widthScale: 0.125 }),
      layout: { mode: 'self', k: 1, inChannels: 2 },
      normalisation: { kind: 'none' },
      losses: { finalLoss: null, bestValLoss: null, bestEpoch: 0 },
      history: [],
      engine: { engine: 'onnx', backend: 'cpu' },
    },
  });
  const cacheDir = tmp();
  const saved = process.env.N2S_CACHE_DIR;
  process.env.N2S_CACHE_DIR = cacheDir;
  try {
    const first = await loadPredictor(modelDir);
    first.predictor.dispose();
    const kept = readEngineChoice();
    assert.ok(kept, 'the auto choice was written');
    assert.equal(kept.engine, first.report.engine);
    // A cached answer is taken as it is: here one that auto would not pick on a CPU machine.
    writeEngineChoice({ engine: 'tfjs', backend: 'cpu' }, 'bench');
    const second = await loadPredictor(modelDir);
    second.predictor.dispose();
    assert.deepEqual([second.report.engine, second.report.backend], ['tfjs', 'cpu']);
    // An explicit engine is never replaced by the cached one.
    const explicit = await loadPredictor(modelDir, { engine: 'onnx' });
    explicit.predictor.dispose();
    assert.equal(explicit.report.engine, 'onnx');
    // --engine onnx with the provider left to auto takes a cached ONNX Runtime provider, without
    // trying (and timing) the others again; with the cache off they are tried and reported.
    writeEngineChoice({ engine: 'onnx', provider: 'cpu' }, 'bench');
    const lines: string[] = [];
    const cachedOnnx = await loadPredictor(modelDir, { engine: 'onnx', log: (l) => lines.push(l) });
    cachedOnnx.predictor.dispose();
    assert.deepEqual([cachedOnnx.report.engine, cachedOnnx.report.provider], ['onnx', 'cpu']);
    assert.deepEqual(lines.filter((l) => l.includes('->')), [], lines.join('\n'));
    process.env.N2S_ENGINE_CACHE = 'off';
    const tried: string[] = [];
    const uncached = await loadPredictor(modelDir, { engine: 'onnx', log: (l) => tried.push(l) });
    uncached.predictor.dispose();
    assert.ok(tried.some((l) => /^onnx: .*->/.test(l)), `the other providers are tried and named: ${tried.join(' | ')}`);
    delete process.env.N2S_ENGINE_CACHE;

    // With no cached answer at all, --engine onnx calibrates once and keeps its verdict: the next
    // --engine onnx command tries nothing (a test run's many in-process denoises timed WebGPU on a
    // software adapter every time), and the verdict does not stand in for auto's answer.
    process.env.N2S_CACHE_DIR = tmp();
    const calibrating: string[] = [];
    (await loadPredictor(modelDir, { engine: 'onnx', log: (l) => calibrating.push(l) })).predictor.dispose();
    assert.ok(calibrating.some((l) => /^onnx: .*->/.test(l)), calibrating.join(' | '));
    assert.equal(readOnnxProvider(), 'cpu');
    assert.equal(readEngineChoice(), null, 'an --engine onnx verdict is not an answer to auto');
    const again: string[] = [];
    (await loadPredictor(modelDir, { engine: 'onnx', log: (l) => again.push(l) })).predictor.dispose();
    assert.deepEqual(again.filter((l) => l.includes('->')), [], again.join('\n'));
  } finally {
    delete process.env.N2S_ENGINE_CACHE;
    if (saved === undefined) delete process.env.N2S_CACHE_DIR;
    else process.env.N2S_CACHE_DIR = saved;
  }
});
