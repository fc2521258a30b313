import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetFor, chooseShape, DEFAULT_CPU_SECONDS, MIN_STEPS_PER_EPOCH, parseDuration, PLAN_STEPS_PER_EPOCH, planBudget, TARGET_EPOCHS } from '../../../main/engine/budget.ts';
import { trainModel } from '../../../main/engine/train.ts';
import type { ArchSpec } from '../../../shared/model/arch.ts';
import type { Batch, EngineReport, NamedWeights, TrainEngine, TrainEngineOptions } from '../../../main/engine/types.ts';
import { blobStack } from './helpers.ts';

describe('budget planning (pure)', () => {
  test('durations', () => {
    assert.equal(parseDuration('5m'), 300);
    assert.equal(parseDuration('90s'), 90);
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('2.5m'), 150);
    assert.equal(parseDuration('300'), 300);
    assert.equal(parseDuration(42), 42);
    for (const bad of ['', 'five', '5x', '-3m', '0', '5m junk']) assert.throws(() => parseDuration(bad), /time budget/);
  });

  test('which requests get a budget', () => {
    const cpu = { provider: 'auto', backend: 'auto' } as const;
    assert.deepEqual(budgetFor({}, cpu), { seconds: DEFAULT_CPU_SECONDS, fixed: {} });
    assert.deepEqual(budgetFor({ batch: 8 }, cpu), { seconds: DEFAULT_CPU_SECONDS, fixed: { batch: 8 } });
    assert.equal(budgetFor({ epochs: 3, stepsPerEpoch: 10 }, cpu), null, 'the user set the length of the run');
    assert.equal(budgetFor({}, { provider: 'cuda', backend: 'auto' }), null, 'a GPU keeps the paper budget');
    assert.deepEqual(budgetFor({ epochs: 3, stepsPerEpoch: 10 }, cpu, '2m'), { seconds: 120, fixed: { epochs: 3, stepsPerEpoch: 10 } });
    assert.deepEqual(budgetFor({}, { provider: 'cuda', backend: 'auto' }, '10m'), { seconds: 600, fixed: {} });
  });

  test('shape: CPU batch 4 of 128², never larger than the planes, user values kept', () => {
    assert.deepEqual(chooseShape({ accelerator: false, height: 256, width: 256, divisor: 4 }), { batch: 4, patch: 128 });
    assert.deepEqual(chooseShape({ accelerator: false, height: 90, width: 300, divisor: 4 }), { batch: 4, patch: 88 });
    assert.deepEqual(chooseShape({ accelerator: false, height: 90, width: 300, divisor: 32 }), { batch: 4, patch: 64 });
    assert.deepEqual(chooseShape({ accelerator: true, height: 1024, width: 1024, divisor: 4 }), { batch: 16, patch: 256 });
    assert.deepEqual(chooseShape({ accelerator: false, height: 256, width: 256, divisor: 4, fixed: { patch: 64, batch: 2 } }), { batch: 2, patch: 64 });
  });

  test('steps fill the time left after the validations; the estimate is the plan', () => {
    const p = planBudget({ seconds: 240, elapsed: 10, secondsPerStep: 0.5, secondsPerValidation: 1, measuredSteps: 4, batch: 4, patch: 128 });
    assert.equal(p.epochs, TARGET_EPOCHS);
    const total = p.epochs * p.stepsPerEpoch;
    // (230 − 12·1)/0.5 = 436 steps to run + 4 already done = 440 → 36 per epoch (432 total).
    assert.equal(p.stepsPerEpoch, Math.floor((Math.floor((230 - 12) / 0.5) + 4) / 12));
    assert.equal(p.estimateSeconds, (total - 4) * 0.5 + 12);
    assert.ok(p.estimateSeconds <= 230 && p.estimateSeconds > 230 - p.epochs * 0.5 - 0.5, `${p.estimateSeconds}`);
    assert.ok(p.patience >= 3);
  });

  test('a slow machine gets fewer epochs, never less than one epoch of the minimum steps', () => {
    const slow = planBudget({ seconds: 60, elapsed: 5, secondsPerStep: 1, secondsPerValidation: 2, measuredSteps: 4, batch: 4, patch: 128 });
    assert.ok(slow.epochs < TARGET_EPOCHS && slow.epochs >= 1);
    assert.ok(slow.stepsPerEpoch >= MIN_STEPS_PER_EPOCH);
    assert.ok(slow.estimateSeconds <= 55 + 1e-9);
    const hopeless = planBudget({ seconds: 5, elapsed: 10, secondsPerStep: 3, secondsPerValidation: 2, measuredSteps: 4, batch: 4, patch: 128 });
    assert.equal(hopeless.epochs, 1);
    assert.equal(hopeless.stepsPerEpoch, MIN_STEPS_PER_EPOCH);
    assert.equal(hopeless.estimateSeconds, (MIN_STEPS_PER_EPOCH - 4) * 3 + 2, 'the estimate says how long the minimum takes');
  });

  test('epochs keep room to re-plan: ≥ 3× the minimum steps each, when the time allows', () => {
    for (const t of [0.05, 0.4, 1.75, 4]) {
      const p = planBudget({ seconds: 240, elapsed: 10, secondsPerStep: t, secondsPerValidation: 4 * t, measuredSteps: 4, batch: 4, patch: 128 });
      if (230 >= PLAN_STEPS_PER_EPOCH * t + 4 * t) assert.ok(p.stepsPerEpoch >= PLAN_STEPS_PER_EPOCH, `${t} s/step: ${p.epochs}×${p.stepsPerEpoch}`);
      assert.ok(p.estimateSeconds <= 230 + 1e-9, `${t} s/step: estimate ${p.estimateSeconds}`);
    }
  });

  test('numbers the user set are kept', () => {
    const both = planBudget({ seconds: 60, elapsed: 0, secondsPerStep: 1, secondsPerValidation: 0, measuredSteps: 4, batch: 4, patch: 128, fixed: { epochs: 2, stepsPerEpoch: 50 } });
    assert.equal(both.epochs, 2);
    assert.equal(both.stepsPerEpoch, 50);
    assert.equal(both.estimateSeconds, 96);
    const epochs = planBudget({ seconds: 100, elapsed: 0, secondsPerStep: 1, secondsPerValidation: 0, measuredSteps: 4, batch: 4, patch: 128, fixed: { epochs: 5 } });
    assert.equal(epochs.epochs, 5);
    assert.equal(epochs.stepsPerEpoch, 20);
    const spe = planBudget({ seconds: 100, elapsed: 0, secondsPerStep: 1, secondsPerValidation: 0, measuredSteps: 4, batch: 4, patch: 128, fixed: { stepsPerEpoch: 30 } });
    assert.equal(spe.stepsPerEpoch, 30);
    assert.equal(spe.epochs, 3);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An engine whose validation loss follows a script: early stopping must read it. Steps may take time. */
class ScriptedEngine implements TrainEngine {
  evaluations = 0;
  steps = 0;
  constructor(
    private readonly valLosses: number[],
    private readonly stepMs: (step: number) => number = () => 0,
  ) {}
  async init(_s: ArchSpec, _w: NamedWeights, _o: TrainEngineOptions): Promise<void> {}
  async step(_b: Batch): Promise<number> {
    const ms = this.stepMs(this.steps++);
    if (ms > 0) await sleep(ms);
    return 1;
  }
  async evaluate(_b: Batch): Promise<number> {
    return this.valLosses[Math.min(this.valLosses.length - 1, this.evaluations++)];
  }
  async getWeights(): Promise<NamedWeights> {
    return new Map();
  }
  describe(): EngineReport {
    return { engine: 'onnx', backend: 'scripted' };
  }
  dispose(): void {}
}

test('early stopping: stops after `patience` epochs without a better validation loss, keeps the best', async () => {
  const s = blobStack(3, 6, 32, 32, 0.1);
  const vol = { depth: 6, height: 32, width: 32, a: s.noisy };
  const config = { widthScale: 0.125, epochs: 20, stepsPerEpoch: 2, batch: 1, patch: 16, normalize: 'none', valBatches: 1 } as const;
  // Validation losses per epoch: best at epoch 3, then worse.
  const engine = new ScriptedEngine([5, 4, 3, 3.5, 3.2, 3.1, 3.3, 2, 2, 2]);
  const r = await trainModel({ config, volumes: [vol], engine, patience: 3 });
  assert.equal(r.stoppedEarly, true);
  assert.equal(r.bestEpoch, 3);
  assert.equal(r.history.length, 6, 'epochs 4, 5, 6 were not better; the run ends after epoch 6');
  assert.equal(engine.steps, 12);
  assert.equal(r.stepsDone, 12);
  assert.equal(r.stepsPlanned, 40, 'the verdict sees a run that stopped before its plan');
  const full = await trainModel({ config: { ...config, epochs: 6 }, volumes: [vol], engine: new ScriptedEngine([5, 4, 3, 3.5, 3.2, 3.1]), patience: 0 });
  assert.equal(full.stoppedEarly, false);
  assert.equal(full.history.length, 6);
});

test('budgeted run: batch/patch/steps chosen, the estimate logged before training is within 25 % of the real time', async () => {
  const s = blobStack(4, 12, 64, 64, 0.1);
  const vol = { depth: 12, height: 64, width: 64, a: s.noisy };
  // A noisy shared machine can slow one run down in the middle; one more try tells noise from a bad plan.
  let last = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    const lines: string[] = [];
    const r = await trainModel({
      config: { widthScale: 0.25, normalize: 'none', valBatches: 2 },
      volumes: [vol],
      budget: { seconds: 10, fixed: {}, patience: 0 },
      log: (l) => lines.push(l),
    });
    assert.ok(r.budget, 'the run was planned');
    const { plan, actualSeconds } = r.budget;
    assert.ok(lines.some((l) => l.startsWith('budget 10s:') && l.includes('estimated')), lines.join('\n'));
    assert.equal(r.config.batch, 4);
    assert.equal(r.config.patch, 64, 'the patch fits the 64² planes');
    assert.equal(r.config.epochs, plan.epochs);
    assert.equal(r.history.length, plan.epochs);
    assert.equal(r.stepsDone, r.stepsPlanned, 'a re-planned run that completes did what it planned (no "stopped early" warning)');
    assert.ok(r.seconds < 10 * 1.5, `the run took ${r.seconds.toFixed(1)} s of a 10 s budget`);
    const err = Math.abs(plan.estimateSeconds - actualSeconds) / actualSeconds;
    last = `estimate ${plan.estimateSeconds.toFixed(2)} s, actual ${actualSeconds.toFixed(2)} s (${plan.epochs}×${plan.stepsPerEpoch} steps, ${plan.secondsPerStep.toFixed(3)} s/step)`;
    console.log(last);
    if (err <= 0.25) return;
  }
  assert.fail(`estimate off by more than 25 % twice: ${last}`);
});

test('a machine that slows down 2× after the measurement: the run re-plans and still ends near its estimate', async () => {
  const s = blobStack(6, 8, 32, 32, 0.1);
  const vol = { depth: 8, height: 32, width: 32, a: s.noisy };
  // 60 ms per step while measuring (the first 4 steps), 120 ms afterwards.
  const engine = new ScriptedEngine([1], (i) => (i < 4 ? 60 : 120));
  const r = await trainModel({ config: { widthScale: 0.125, normalize: 'none', valBatches: 1 }, volumes: [vol], engine, budget: { seconds: 8, fixed: {}, patience: 0 } });
  assert.ok(r.budget);
  const { plan, actualSeconds } = r.budget;
  assert.ok(r.stepsDone !== undefined && r.stepsDone < 0.8 * plan.epochs * plan.stepsPerEpoch, `re-planned from ${plan.epochs}×${plan.stepsPerEpoch} to ${r.stepsDone} steps`);
  const err = Math.abs(actualSeconds - plan.estimateSeconds) / plan.estimateSeconds;
  assert.ok(err < 0.25, `estimate ${plan.estimateSeconds.toFixed(2)} s, actual ${actualSeconds.toFixed(2)} s`);
  assert.equal(r.stepsDone, r.stepsPlanned);
});
