/**
 * 'train-estimate': a few real training steps of the chosen settings on the chosen stack, timed on
 * this machine, for the Train panel's estimate before Start. It trains through the trainer itself
 * (main/engine/train.ts's trainModel: the same sampler, normalisation, engine and batch/patch as the
 * run will use) with an engine wrapper that times each step and the validation pass; the model is
 * thrown away. The first step is a warm-up (allocations, graph building) and is not counted, as in
 * the budget's own measurement (main/engine/budget.ts). Some engines keep getting faster for a few
 * more steps (tfjs-wasm: 80 ms on the 2nd step, 14 ms from about the 10th, for a tiny network), so
 * steps are timed until both `steps` are done and about TARGET_SECONDS have passed (at most
 * MAX_STEPS), and the estimate is the median of the later half: the pace a run keeps.
 */
import type { Stack } from '../../../../shared/stack.ts';
import type { TrainingConfig } from '../../../../shared/config/training.ts';
import type { TrainEstimate } from '../../../../shared/ipc/job-kinds/train-estimate.ts';
import { needsSecondCopy } from '../../../../shared/config/training-checks.ts';
import type { Batch, TrainEngine } from '../../../engine/types.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';
import { checkedTrainingStacks } from './training-stacks.ts';

interface Input {
  stack: Stack;
  copy?: Stack;
  reference?: Stack;
  config: TrainingConfig;
  steps: number;
}

/** Seconds of timed steps worth waiting for before Start. */
const TARGET_SECONDS = 1.5;
/** Most steps timed (tiny networks reach TARGET_SECONDS only after hundreds). */
const MAX_STEPS = 40;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export const job = defineJobKind('train-estimate', {
  prepare(params, main): Input {
    return { ...checkedTrainingStacks(params, main), config: params.config, steps: params.steps };
  },

  async run(input, ctx): Promise<TrainEstimate> {
    const { trainModel, createTrainEngine } = await import('../../../engine/train.ts');
    const { config, stack } = input;
    ctx.progress(null, 'timing a few training steps');
    const t0 = performance.now();
    let startSeconds = 0;
    const inner = await createTrainEngine(config.engine, (l) => ctx.log(l), config.backend);
    const stepTimes: number[] = [];
    let validation = 0;
    let evaluating = false;
    let engineName = '';
    let timedSeconds = 0;
    let lastLoss = 0;
    const enough = () => stepTimes.length - 1 >= input.steps && (timedSeconds >= TARGET_SECONDS || stepTimes.length - 1 >= MAX_STEPS);
    // Times the steps and the end-of-epoch validation; cancel is honoured before every step.
    const timed: TrainEngine = {
      init: (spec, weights, opts) => inner.init(spec, weights, opts),
      async step(batch: Batch, lr: number) {
        // Measured enough: the epoch's remaining steps are skipped (the trainer's epoch has a fixed
        // length; only the validation pass after it is still timed).
        if (enough()) return lastLoss;
        await ctx.checkpoint();
        const t = performance.now();
        const loss = await inner.step(batch, lr);
        lastLoss = loss;
        stepTimes.push((performance.now() - t) / 1000);
        // Engine start, data preparation and the warm-up step: what a run pays before its pace.
        if (stepTimes.length === 1) startSeconds = (performance.now() - t0) / 1000;
        if (stepTimes.length > 1) timedSeconds += stepTimes.at(-1)!;
        if (!engineName) {
          // Named while the engine lives (the trainer disposes it at the end).
          const r = inner.describe();
          engineName = `${r.engine}/${r.provider ?? r.backend}`;
        }
        ctx.progress(Math.min(1, timedSeconds / TARGET_SECONDS), `timed step ${stepTimes.length}`);
        return loss;
      },
      async evaluate(batch: Batch) {
        // The first evaluation builds the evaluation graph: a warm-up, timed again below.
        if (!evaluating) {
          evaluating = true;
          await inner.evaluate(batch);
        }
        const t = performance.now();
        const loss = await inner.evaluate(batch);
        validation += (performance.now() - t) / 1000;
        return loss;
      },
      getWeights: () => inner.getWeights(),
      describe: () => inner.describe(),
      dispose: () => inner.dispose(),
    };
    await trainModel({
      // One epoch of the warm-up plus the timed steps; everything else as the run will have it.
      config: { ...config, epochs: 1, stepsPerEpoch: 1 + Math.max(input.steps, MAX_STEPS) },
      volumes: [{ depth: stack.depth, height: stack.height, width: stack.width, a: stack.data, b: needsSecondCopy(config) ? input.copy?.data : undefined, clean: input.reference?.data }],
      engine: timed,
      signal: ctx.signal,
      log: (l) => ctx.log(l),
      budget: null,
    });
    if (ctx.signal.aborted || stepTimes.length < 2) throw new UserError('the step time was not measured (cancelled)');
    return {
      secondsPerStep: median(stepTimes.slice(1).slice(-Math.ceil((stepTimes.length - 1) / 2))),
      secondsPerValidation: validation,
      startSeconds,
      stepsTimed: stepTimes.length - 1,
      engine: engineName,
    };
  },

  finish(out) {
    return out;
  },
});
