/**
 * Whole-hyperstack training keeps to one time budget, as single-stack training does: the default CPU
 * budget when the config sets no step counts (not the paper's 100 × 100 steps), and a `time` shared
 * by the channels' models. Before, the channels each trained the paper's 10 000 steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { trainHyperstack } from '../../../main/workflows/hyperstack-train.ts';
import { budgetFor } from '../../../main/engine/budget.ts';
import { TrainingConfig } from '../../../shared/config/training.ts';
import { tempDir } from '../io/helpers.ts';
import { blobHyperstack } from './helpers.ts';

// No epochs or steps per epoch: those are the budget's.
const CONFIG = { method: 'n2s', mode: 'self', neighbors: 1, widthScale: 0.25, batch: 4, patch: 32, normalize: 'none', valFraction: 0.2, seed: 4 } as const;
const PAPER_STEPS = 100 * 100;

test('per-channel models share the time budget; no channel trains the paper\'s step count', async () => {
  const { dir, cleanup } = tempDir('hyper-budget');
  try {
    const h = blobHyperstack({ seed: 3, times: 2, channels: 2, depth: 6, size: 32, sigma: 0.2 });
    const seconds = 6;
    const t0 = performance.now();
    const r = await trainHyperstack({ input: 'blobs.tif', out: join(dir, 'model'), config: CONFIG, time: seconds }, h.noisy);
    const wall = (performance.now() - t0) / 1000;
    assert.equal(r.entries.length, 2);
    for (const e of r.entries) {
      const steps = e.outcome.config.epochs * e.outcome.config.stepsPerEpoch;
      assert.ok(steps < PAPER_STEPS, `channel ${e.channels[0]} planned ${steps} steps`);
      assert.ok(e.outcome.history.length >= 1, 'it trained');
      // Each model gets its share (half), with slack for a loaded machine.
      assert.ok(e.outcome.seconds < seconds / 2 + 4, `channel ${e.channels[0]} trained ${e.outcome.seconds.toFixed(1)} s of a ${seconds / 2} s share`);
    }
    console.log(`2 channels, --time ${seconds}s: ${r.entries.map((e) => `${e.outcome.config.epochs}×${e.outcome.config.stepsPerEpoch} steps in ${e.outcome.seconds.toFixed(1)} s`).join(', ')}; whole call ${wall.toFixed(1)} s`);
  } finally {
    cleanup();
  }
});

test('with no time and no step counts a CPU run gets the default budget; set step counts are kept', () => {
  const unset = budgetFor(CONFIG, TrainingConfig.parse(CONFIG));
  assert.ok(unset !== null && unset.seconds > 0 && unset.seconds <= 600, 'the default CPU budget');
  const fixed = { ...CONFIG, epochs: 2, stepsPerEpoch: 5 };
  assert.equal(budgetFor(fixed, TrainingConfig.parse(fixed)), null, 'the user\'s step counts, no budget');
});

test('one joint network trains under the budget too, with the budget\'s batch and patch', async () => {
  const { dir, cleanup } = tempDir('hyper-budget-joint');
  try {
    const h = blobHyperstack({ seed: 5, times: 1, channels: 2, depth: 6, size: 32, sigma: 0.2 });
    const { batch: _b, patch: _p, ...unsized } = CONFIG;
    const r = await trainHyperstack({ input: 'blobs.tif', out: join(dir, 'model'), config: { ...unsized, engine: 'tfjs' }, channels: 'joint', time: 4 }, h.noisy);
    const c = r.entries[0].outcome.config;
    assert.ok(c.epochs * c.stepsPerEpoch < PAPER_STEPS, `planned ${c.epochs * c.stepsPerEpoch} steps`);
    assert.equal(c.patch, 32, 'the patch fits the 32×32 planes (the paper\'s 256 would not)');
    assert.ok(r.entries[0].outcome.seconds < 4 + 4, `trained ${r.entries[0].outcome.seconds.toFixed(1)} s of 4 s`);
  } finally {
    cleanup();
  }
});
