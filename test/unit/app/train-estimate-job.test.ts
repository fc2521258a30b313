/**
 * The Train panel's estimate before Start comes from a measurement (issue 17): the
 * 'train-estimate' job times real steps of the chosen settings on the chosen stack, and a costlier
 * setting measures slower; a time budget given to the 'train' job is planned by the workflow (its
 * steps are not the config's), and the app's default budget is the CLI's.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { makeStack } from '../../../shared/stack.ts';
import { DEFAULT_TRAIN_SECONDS } from '../../../shared/config/train-budget.ts';
import { DEFAULT_CPU_SECONDS } from '../../../main/engine/budget.ts';
import type { TrainEstimate } from '../../../shared/ipc/job-kinds/train-estimate.ts';
import type { TrainedModelSummary } from '../../../shared/ipc/job-kinds/train.ts';
import { syntheticNuclei } from '../segmentation/synthetic-nuclei.ts';
import { testCore } from './helpers.ts';

const core = testCore();
after(() => core.dispose());
const g = syntheticNuclei({ seed: 7, depth: 8, height: 64, width: 64, pairs: 0, singles: 3 });
const low = core.services.stacks.add(makeStack(8, 64, 64, g.noisy(4, 1), { name: 'low.tif', voxelSize: { z: 2, y: 0.65, x: 0.65, unit: 'micron' }, dtype: 'uint16' }), 'primary');
const tiny = { method: 'n2s', mode: 'self', neighbors: 1, widthScale: 0.125, epochs: 50, stepsPerEpoch: 100, batch: 2, patch: 16, valFraction: 0.2, backend: 'wasm', engine: 'tfjs' } as const;

async function estimate(config: object): Promise<TrainEstimate> {
  const info = await core.jobs.wait(await core.jobs.start('train-estimate', { stackId: low.stackId, config, steps: 3 }));
  assert.equal(info.state, 'done', JSON.stringify(info.error));
  return info.result as TrainEstimate;
}

test('train-estimate times real steps of these settings here, and a bigger step measures slower', async () => {
  const t0 = Date.now();
  const small = await estimate(tiny);
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(small.stepsTimed >= 3 && small.stepsTimed <= 40, `${small.stepsTimed}`);
  assert.equal(small.engine, 'tfjs/wasm');
  assert.ok(small.secondsPerStep > 0 && small.secondsPerValidation > 0, JSON.stringify(small));
  // A few steps, not the 5000 the config asks for.
  assert.ok(seconds < 60, `${seconds} s`);
  // 32× the pixels per step, 4× the width: the measurement sees it (a guess from the settings would too,
  // but only a measurement depends on the machine).
  const big = await estimate({ ...tiny, batch: 8, patch: 32, widthScale: 0.25 });
  assert.ok(big.secondsPerStep > 1.5 * small.secondsPerStep, `${big.secondsPerStep} vs ${small.secondsPerStep}`);
  // Refused up front in the panel's words, like Start.
  await assert.rejects(core.jobs.start('train-estimate', { stackId: low.stackId, config: { ...tiny, patch: 128 } }), /patch/i);
});

test('a time budget given to the train job plans the steps from the measured pace', async () => {
  const info = await core.jobs.wait(await core.jobs.start('train', { stackId: low.stackId, config: tiny, time: 6 }));
  assert.equal(info.state, 'done', JSON.stringify(info.error));
  const r = info.result as TrainedModelSummary;
  // Not the config's 50 × 100 steps: the budget's plan, run within about its time.
  assert.notEqual(r.config.epochs * r.config.stepsPerEpoch, 5000);
  assert.ok(r.seconds < 30, `${r.seconds} s`);
  assert.ok((info.values.totalSteps ?? 0) > 0 && (info.values.totalSteps ?? 0) < 5000, JSON.stringify(info.values));
});

test("the app's default time budget is the CLI's", () => {
  assert.equal(DEFAULT_TRAIN_SECONDS, DEFAULT_CPU_SECONDS);
});

test('the Train panel sizes a run by the default time budget, also for settings saved before it existed', async () => {
  const { DEFAULT_TRAIN, TrainSettings } = await import('../../../renderer/panels/workflow-state.ts');
  assert.equal(DEFAULT_TRAIN.sizing, 'time');
  assert.equal(DEFAULT_TRAIN.minutes * 60, DEFAULT_TRAIN_SECONDS);
  const { sizing: _s, minutes: _m, ...older } = DEFAULT_TRAIN;
  const parsed = TrainSettings.parse({ ...older, epochs: 7 });
  assert.equal(parsed.sizing, 'time');
  assert.equal(parsed.minutes * 60, DEFAULT_TRAIN_SECONDS);
  assert.equal(parsed.epochs, 7, 'the explicit steps are kept for the steps sizing');
});
