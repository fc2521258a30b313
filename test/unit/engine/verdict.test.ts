/**
 * Issue 17, "did it work?" without ground truth: on a tiny seeded widefield stack a briefly trained
 * Noise2Stack model must beat the neighbour mean on the held-out planes and be told so in words;
 * an untrained (randomly initialised) model and a predictor that IS the neighbour mean must not
 * be praised; the warnings for few planes and an early stop appear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMicroscopy } from '../../../main/science/synth-microscopy.ts';
import { trainModel, archFor } from '../../../main/engine/train.ts';
import { TfjsPredictor } from '../../../main/engine/tfjs/engine.ts';
import { selectBackend } from '../../../main/engine/tfjs/backend.ts';
import { computeVerdict, verdictForSavedModel, verdictFromLosses, verdictPlanes, type VerdictInput } from '../../../main/engine/verdict.ts';
import { saveTrainResult } from '../../../main/engine/model-store.ts';
import { Verdict as VerdictSchema } from '../../../shared/verdict.ts';
import { TrainingConfig } from '../../../shared/config/training.ts';
import { initWeights } from '../../../shared/model/init.ts';
import type { Predictor } from '../../../main/engine/types.ts';

const g = generateMicroscopy({ seed: 3, depth: 10, height: 64, width: 64 });
const shape = { depth: 10, height: 64, width: 64 };
const config = TrainingConfig.parse({
  method: 'n2s',
  mode: 'self',
  neighbors: 1,
  widthScale: 0.25,
  epochs: 3,
  stepsPerEpoch: 20,
  batch: 4,
  patch: 32,
  lr: 4e-3,
  normalize: 'percentile',
  valFraction: 0.2,
  seed: 2,
  backend: 'wasm',
  engine: 'tfjs',
});

test('a briefly trained model beats the neighbour mean on held-out planes; an untrained one is not praised', async () => {
  await selectBackend('wasm');
  const r = await trainModel({ config, volumes: [{ ...shape, a: g.low.data }], background: g.background });
  const common: Omit<VerdictInput, 'predictor'> = {
    data: g.low.data,
    shape,
    spec: r.spec,
    layout: r.layout,
    method: 'n2s',
    normalisation: r.normalisation,
    background: r.background,
    valFraction: config.valFraction,
    valSplit: config.valSplit,
    run: { stepsDone: 60, stepsPlanned: 60 },
  };
  const trained = await TfjsPredictor.create(r.spec, r.weights, 'wasm');
  const v = await computeVerdict({ ...common, predictor: trained });
  trained.dispose();
  console.log(`trained: ${v.sentence} (model ${v.modelLoss?.toFixed(5)}, neighbour mean ${v.neighbourMeanLoss?.toFixed(5)}, flat ${v.flatLoss?.toFixed(5)}, planes ${v.planes.join(',')}; val loss in training ${r.bestValLoss?.toFixed(5)})`);
  assert.equal(v.level, 'better', v.sentence);
  assert.ok(v.gain! >= 0.05, `gain ${v.gain}`);
  assert.match(v.sentence, /^The model predicts held-out planes \d+ % better than averaging the neighbours\.$/);
  assert.equal(v.heldOut, true);
  assert.deepEqual(v.planes, verdictPlanes(10, 0.2, 'plane').planes);
  assert.deepEqual(v.warnings, []);
  // What the IPC result and the CLI's JSON carry: the shared schema accepts it unchanged.
  assert.deepEqual(VerdictSchema.parse(v), v);
  // Same units as the training's validation loss: the two agree to within sampling (patches vs whole planes).
  assert.ok(Math.abs(v.modelLoss! - r.bestValLoss!) / r.bestValLoss! < 0.5, `verdict ${v.modelLoss} vs val ${r.bestValLoss}`);

  // As the train workflow calls it: from the saved model folder, opened the way Denoise opens it.
  const dir = mkdtempSync(join(tmpdir(), 'n2s-verdict-'));
  try {
    await saveTrainResult(join(dir, 'model'), r, g.low);
    const saved = await verdictForSavedModel(join(dir, 'model'), r, g.low, { stepsDone: 60, stepsPlanned: 60 });
    assert.equal(saved.level, 'better', saved.sentence);
    assert.ok(Math.abs(saved.gain! - v.gain!) < 0.01, `saved ${saved.gain} vs in memory ${v.gain}`);
    const missing = await verdictForSavedModel(join(dir, 'nothing-here'), r, g.low, { stepsDone: 60, stepsPlanned: 60 });
    assert.equal(missing.level, 'unavailable');
    assert.match(missing.sentence, /^No verdict: the check after training failed \(.+\)\.$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const untrained = await TfjsPredictor.create(r.spec, initWeights(archFor(TrainingConfig.parse(config)), 99), 'wasm');
  const u = await computeVerdict({ ...common, predictor: untrained, run: { stepsDone: 0, stepsPlanned: 60, cancelled: true } });
  untrained.dispose();
  console.log(`untrained: ${u.sentence} ${u.warnings.join(' ')}`);
  assert.notEqual(u.level, 'better', u.sentence);
  assert.doesNotMatch(u.sentence, /better than/);
  assert.ok(u.warnings.some((w) => /stopped early \(0 of 60 steps\)/.test(w)), u.warnings.join(' | '));
});

test('a predictor that is the neighbour mean gets "about as well", not praise', async () => {
  // Predicts each tile's target as the mean of its input channels (the neighbours), in the model's units.
  const meanPredictor: Predictor = {
    async predictBatch(x, n, h, w, cin) {
      const out = new Float32Array(n * h * w);
      for (let p = 0; p < n * h * w; p++) {
        let s = 0;
        for (let c = 0; c < cin; c++) s += x[p * cin + c]!;
        out[p] = s / cin;
      }
      return out;
    },
    describe: () => ({ engine: 'tfjs', backend: 'test' }),
    dispose: () => {},
  };
  const spec = archFor(config);
  const v = await computeVerdict({
    predictor: meanPredictor,
    data: g.low.data,
    shape,
    spec,
    layout: { mode: 'self', k: 1 },
    method: 'n2s',
    normalisation: { kind: 'percentile', pLow: 3, pHigh: 99.8, low: 0, high: 50 },
    background: g.background,
    valFraction: 0.2,
    valSplit: 'plane',
    run: { stepsDone: 10, stepsPlanned: 10 },
  });
  assert.equal(v.level, 'same', v.sentence);
  assert.ok(Math.abs(v.gain!) < 1e-4, `gain ${v.gain}`);
});

test('verdict wording and warnings from losses (pure)', () => {
  const losses = (model: number) => ({ model, neighbourMean: 0.01, flat: 0.05, perPlane: [{ z: 2, model, neighbourMean: 0.01 }] });
  const full = { depth: 20, stepsDone: 100, stepsPlanned: 100 };
  const good = verdictFromLosses(losses(0.0082), full, [2, 7], true);
  assert.equal(good.level, 'better');
  assert.equal(good.sentence, 'The model predicts held-out planes 18 % better than averaging the neighbours.');
  assert.deepEqual(good.warnings, []);
  const same = verdictFromLosses(losses(0.0099), full, [2, 7], true);
  assert.equal(same.level, 'same');
  assert.match(same.sentence, /about as well as averaging the neighbours \(1 % better\)/);
  const bad = verdictFromLosses(losses(0.013), full, [2, 7], true);
  assert.equal(bad.level, 'worse');
  assert.match(bad.sentence, /30 % worse than averaging the neighbours.*do not trust/);
  const few = verdictFromLosses(losses(0.008), { depth: 5, stepsDone: 40, stepsPlanned: 100 }, [2], true);
  assert.deepEqual(few.warnings.map((w) => w.split(':')[0]!.split(' (')[0]), [
    'The stack has only 5 planes',
    'Only 1 plane was held out of training, so this verdict rests on a single plane.',
    'The run stopped early',
  ]);
  const seen = verdictFromLosses(losses(0.008), full, [0, 1, 2], false);
  assert.match(seen.sentence, /predicts the training planes 20 % better/);
  assert.match(seen.warnings.join(' '), /No planes were held out.*optimistic/);
  assert.equal(verdictFromLosses({ ...losses(0.008), neighbourMean: 0 }, full, [2], true).level, 'unavailable');
});

test('methods whose input contains the target plane get no verdict', async () => {
  const v = await computeVerdict({
    predictor: { predictBatch: async () => new Float32Array(0), describe: () => ({ engine: 'tfjs', backend: 'x' }), dispose: () => {} },
    data: g.low.data,
    shape,
    spec: archFor(config),
    layout: { mode: 'copy', k: 1 },
    method: 'n2s',
    normalisation: { kind: 'none' },
    valFraction: 0.2,
    valSplit: 'plane',
    run: { stepsDone: 1, stepsPlanned: 1 },
  });
  assert.equal(v.level, 'unavailable');
});
