/**
 * 'train' (issue 7): the train workflow (main/workflows/train.ts) in the worker on the shared
 * stacks. Before every step the job honours pause/cancel (ctx.checkpoint); every `previewEvery`
 * steps the workflow writes a checkpoint model for the live preview. The best-by-validation model
 * is saved under the app's output folder (by model-store's saveTrainResult, as n2s train saves it).
 */
import type { TrainingConfig, TrainingConfigInput } from '../../../../shared/config/training.ts';
import type { Stack } from '../../../../shared/stack.ts';
import type { WorkflowEvent } from '../../../../shared/workflow-events.ts';
import { defineJobKind, type JobContext } from '../kind.ts';
import { trainCheckpointDir, trainModelDir, type TrainedModelSummary } from '../../../../shared/ipc/job-kinds/train.ts';
import { checkedTrainingStacks } from './training-stacks.ts';
import { eventValues } from './workflow-progress.ts';

interface Input {
  stack: Stack;
  copy?: Stack;
  reference?: Stack;
  config: TrainingConfig;
  previewEvery: number;
  name: string;
  modelDir: string;
  checkpointDir: string;
  /** Time budget in seconds: the workflow plans the epochs and steps (budgetFor). */
  time?: number;
}

/**
 * The train panel reads these progress values: per step (step, totalSteps, epoch, loss, lr, eta,
 * secondsPerStep, checkpoint) plus the latest finished epoch (lastEpoch, epochLoss, epochValLoss),
 * so a throttled update never loses an epoch point; the typed event's own numbers come along.
 */
function trainProgress(ctx: JobContext): (e: WorkflowEvent) => void {
  let engine = '';
  let checkpoint = 0;
  let last: Record<string, number> = {};
  return (e) => {
    const fraction = (step: number, total: number) => (total > 0 ? step / total : 0);
    switch (e.type) {
      case 'log':
        ctx.log(e.line);
        break;
      case 'train-start':
        engine = `${e.engine.engine}/${e.engine.provider ?? e.engine.backend}`;
        ctx.log(`training on ${engine}, ${e.parameters} parameters`);
        break;
      case 'step':
        ctx.progress(fraction(e.step, e.totalSteps), `epoch ${e.epoch}/${e.epochs}, step ${e.stepInEpoch}/${e.stepsPerEpoch} · ${engine}`, {
          ...eventValues(e),
          checkpoint,
          ...last,
        }, e);
        break;
      case 'epoch':
        last = { lastEpoch: e.epoch, epochLoss: e.loss, ...(e.valLoss !== null && Number.isFinite(e.valLoss) ? { epochValLoss: e.valLoss } : {}) };
        ctx.progress(fraction(e.step, e.totalSteps), `epoch ${e.epoch}/${e.epochs} done`, {
          step: e.step,
          totalSteps: e.totalSteps,
          epoch: e.epoch,
          lr: e.lr,
          eta: e.eta,
          checkpoint,
          ...last,
        }, e);
        break;
      case 'checkpoint':
        checkpoint = e.count;
        ctx.progress(fraction(e.step, e.totalSteps), `checkpoint at step ${e.step}`, { step: e.step, totalSteps: e.totalSteps, checkpoint, checkpointStep: e.step, ...last }, e);
        break;
      case 'stage':
        if (e.stage === 'save') ctx.progress(1, 'saving the model', undefined, e);
        break;
      default:
        break;
    }
  };
}

export const job = defineJobKind('train', {
  prepare(params, main, jobId): Input {
    const { stack, copy, reference } = checkedTrainingStacks(params, main);
    const c = params.config;
    const name = params.name ?? `${stack.meta.name.replace(/\.(ome\.)?tiff?$|\.nii(\.gz)?$/i, '')} ${c.method}${c.method === 'n2s' ? ` ${c.mode} K=${c.neighbours}` : ''}`;
    return {
      stack,
      copy,
      reference,
      config: c,
      previewEvery: params.previewEvery,
      name,
      modelDir: trainModelDir(main.outputDir, jobId),
      checkpointDir: trainCheckpointDir(main.outputDir, jobId),
      time: params.time,
    };
  },

  async run(input, ctx): Promise<TrainedModelSummary> {
    const { trainOnStacks } = await import('../../../workflows/train.ts');
    // Under a time budget the epochs and steps are the budget's to plan: the workflow reads what the
    // config leaves unset as its to choose (budgetFor), so they are left out; batch and patch stay.
    const unplanned: TrainingConfigInput = { ...input.config };
    delete unplanned.epochs;
    delete unplanned.stepsPerEpoch;
    const budgeted = input.time !== undefined;
    ctx.progress(0, budgeted ? 'measuring the step time for the budget' : 'starting', budgeted ? { step: 0 } : { step: 0, totalSteps: input.config.epochs * input.config.stepsPerEpoch });
    const r = await trainOnStacks(
      { config: budgeted ? unplanned : input.config, time: input.time, out: input.modelDir, checkpointEvery: input.previewEvery, checkpointDir: input.checkpointDir },
      { stack: input.stack, copy: input.copy, clean: input.reference },
      { signal: ctx.signal, beforeStep: () => ctx.checkpoint(), onEvent: trainProgress(ctx) },
    );
    return {
      modelDir: r.modelDir,
      checkpointDir: r.checkpointDir,
      name: input.name,
      config: r.config,
      layout: r.layout,
      history: r.history,
      finalLoss: r.finalLoss,
      bestValLoss: r.bestValLoss,
      bestEpoch: r.bestEpoch,
      engine: { engine: r.engine.engine, backend: r.engine.backend, provider: r.engine.provider, note: r.engine.note },
      cancelled: r.cancelled,
      seconds: r.seconds,
      verdict: r.verdict,
    };
  },

  finish(out) {
    return out;
  },
});
