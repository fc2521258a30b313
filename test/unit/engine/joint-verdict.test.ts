/**
 * The held-out check of a joint hyperstack model (engine/verdict.ts jointVerdictForSavedModel)
 * is the single-model check (computeVerdict) per channel: for one channel and a network with one
 * output — a joint model of a one-channel stack — both give the same losses on the same planes.
 * A constant channel gives no verdict rather than a number.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { computeVerdict, jointVerdictForSavedModel } from '../../../main/engine/verdict.ts';
import { loadPredictor } from '../../../main/engine/predictor.ts';
import { saveModel } from '../../../main/engine/model-store.ts';
import { fitNormalisation } from '../../../main/engine/normalise.ts';
import { buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { TrainingConfig } from '../../../shared/config/training.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Smooth structure that changes slowly from plane to plane, plus seeded noise. */
function stack(depth: number, size: number, seed: number): Float32Array {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  const out = new Float32Array(depth * size * size);
  for (let z = 0; z < depth; z++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) out[(z * size + y) * size + x] = 100 + 40 * Math.sin(x / 4 + z / 5) * Math.cos(y / 6) + 15 * rnd();
    }
  }
  return out;
}

const shape = { depth: 8, height: 32, width: 32 };
const layout = { mode: 'self' as const, k: 1 };
const config = { method: 'n2s', valFraction: 0.25, valSplit: 'plane' as const, engine: 'onnx' as const };
const run = { stepsDone: 10, stepsPlanned: 10 };

async function savedModel(): Promise<{ dir: string; spec: ReturnType<typeof buildArch> }> {
  // No residual: a joint model has none (its outputs are not one of its input planes).
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, widthScale: 0.125 });
  const dir = mkdtempSync(join(tmpdir(), 'n2s-joint-verdict-'));
  dirs.push(dir);
  await saveModel(dir, {
    spec,
    weights: initWeights(spec, 3),
    config: {
      training: TrainingConfig.parse({ widthScale: 0.125, valFraction: 0.25 }),
      layout: { ...layout, inChannels: 2 },
      normalisation: { kind: 'none' },
      losses: { finalLoss: null, bestValLoss: null, bestEpoch: 0 },
      history: [],
      engine: { engine: 'onnx', backend: 'cpu' },
    },
  });
  return { dir, spec };
}

test('one channel: the joint check gives the single-model check’s losses on the same held-out planes', async () => {
  const { dir, spec } = await savedModel();
  const data = stack(shape.depth, shape.height, 5);
  const normalisation = fitNormalisation('percentile', data);
  const loaded = await loadPredictor(dir, { engine: 'onnx' });
  const single = await computeVerdict({ predictor: loaded.predictor, data, shape, spec, layout, method: 'n2s', normalisation, valFraction: 0.25, valSplit: 'plane', run });
  loaded.predictor.dispose();
  const joint = await jointVerdictForSavedModel({ modelDir: dir, config, layout, spec, channels: [{ name: 'only', data, normalisation }], shape, run });
  assert.notEqual(single.level, 'unavailable', single.sentence);
  assert.deepEqual(joint.planes, single.planes);
  assert.equal(joint.heldOut, true);
  const close = (a: number | null, b: number | null, what: string) => assert.ok(a !== null && b !== null && Math.abs(a - b) <= 1e-5 * Math.abs(b), `${what}: joint ${a} vs single ${b}`);
  close(joint.modelLoss, single.modelLoss, 'model loss');
  close(joint.neighbourMeanLoss, single.neighbourMeanLoss, 'neighbour-mean loss');
  close(joint.flatLoss, single.flatLoss, 'flat loss');
  assert.equal(joint.level, single.level);
  assert.match(joint.sentence, /Per channel: only \d+ % (better|worse)\.$/);
});

test('a constant channel gives no verdict, in words', async () => {
  const { dir, spec } = await savedModel();
  const data = new Float32Array(shape.depth * shape.height * shape.width).fill(7);
  const joint = await jointVerdictForSavedModel({ modelDir: dir, config, layout, spec, channels: [{ name: 'flat', data, normalisation: { kind: 'none' } }], shape, run });
  assert.equal(joint.level, 'unavailable');
  assert.match(joint.sentence, /^No verdict/);
});
