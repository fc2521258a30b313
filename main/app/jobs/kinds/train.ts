/**
 * 'train' (issue 7): the engine's trainer runs in the worker on the shared stacks. The engine is
 * wrapped so that before every step the job honours pause/cancel (ctx.checkpoint) and, every
 * `previewEvery` steps, the current weights are saved as a checkpoint model for the live preview.
 * The best-by-validation model is saved under the app's output folder and listed by the panel.
 */
import type { TrainingConfig } from '../../../../shared/config/training.ts';
import type { Stack } from '../../../../shared/stack.ts';
import { UserError } from '../../../errors.ts';
import type { Batch, EngineReport, NamedWeights, TrainEngine, TrainEngineOptions } from '../../../engine/types.ts';
import type { ArchSpec } from '../../../../shared/model/arch.ts';
import { defineJobKind, type JobContext } from '../kind.ts';
import { trainModelDir, type TrainedModelSummary } from '../../../../shared/ipc/job-kinds/train.ts';

interface Input {
  stack: Stack;
  copy?: Stack;
  reference?: Stack;
  config: TrainingConfig;
  previewEvery: number;
  name: string;
  modelDir: string;
}

/** Delegates to the real engine; adds pause/cancel points and periodic checkpoints. */
class SupervisedEngine implements TrainEngine {
  steps = 0;
  constructor(
    private readonly inner: TrainEngine,
    private readonly ctx: JobContext,
    private readonly every: number,
    private readonly onCheckpoint: (weights: NamedWeights, step: number) => Promise<void>,
  ) {}
  init(spec: ArchSpec, weights: NamedWeights, opts: TrainEngineOptions): Promise<void> {
    return this.inner.init(spec, weights, opts);
  }
  async step(batch: Batch, lr: number): Promise<number> {
    await this.ctx.checkpoint();
    const loss = await this.inner.step(batch, lr);
    this.steps++;
    if (this.every > 0 && this.steps % this.every === 0) await this.onCheckpoint(await this.inner.getWeights(), this.steps);
    return loss;
  }
  evaluate(batch: Batch): Promise<number> {
    return this.inner.evaluate(batch);
  }
  getWeights(): Promise<NamedWeights> {
    return this.inner.getWeights();
  }
  describe(): EngineReport {
    return this.inner.describe();
  }
  dispose(): void {
    this.inner.dispose();
  }
}

const sameShape = (a: Stack, b: Stack) => a.depth === b.depth && a.height === b.height && a.width === b.width;

export const job = defineJobKind('train', {
  async prepare(params, main, jobId): Promise<Input> {
    const stack = main.stacks.get(params.stackId);
    const copy = params.copyStackId ? main.stacks.get(params.copyStackId) : undefined;
    const reference = params.referenceStackId ? main.stacks.get(params.referenceStackId) : undefined;
    for (const [what, s] of [['second copy', copy], ['reference', reference]] as const) {
      if (s && !sameShape(s, stack)) throw new UserError(`the ${what} is ${s.depth}×${s.height}×${s.width}, the stack ${stack.depth}×${stack.height}×${stack.width}`);
    }
    const c = params.config;
    const { samplerLayout } = await import('../../../../shared/config/training.ts');
    const { minPlanes } = await import('../../../../shared/model/neighbours.ts');
    const layout = samplerLayout(c);
    if (c.method === 'n2c' && !reference) throw new UserError('Noise2Clean needs a reference (clean / high-exposure) stack: open one first');
    if ((c.method === 'n2n' || (c.method === 'n2s' && c.mode === 'copy')) && !copy) {
      throw new UserError(`${c.method === 'n2n' ? 'Noise2Noise' : 'copy-supervised Noise2Stack'} needs a second noisy copy: open one first`);
    }
    const need = minPlanes(layout.mode, layout.k);
    if (stack.depth < need) throw new UserError(`${stack.meta.name} has ${stack.depth} planes; ${layout.mode}-supervised K=${layout.k} needs at least ${need}`);
    if (c.patch > Math.min(stack.height, stack.width)) throw new UserError(`patch ${c.patch} is larger than the planes (${stack.height}×${stack.width})`);
    const name = params.name ?? `${stack.meta.name.replace(/\.(ome\.)?tiff?$|\.nii(\.gz)?$/i, '')} ${c.method}${c.method === 'n2s' ? ` ${c.mode} K=${c.neighbors}` : ''}`;
    return { stack, copy, reference, config: c, previewEvery: params.previewEvery, name, modelDir: trainModelDir(main.outputDir, jobId) };
  },

  async run(input, ctx): Promise<TrainedModelSummary> {
    const { trainModel, createTrainEngine } = await import('../../../engine/train.ts');
    const { saveModel } = await import('../../../engine/model-store.ts');
    const { samplerLayout } = await import('../../../../shared/config/training.ts');
    const { archFor } = await import('../../../engine/train.ts');
    const { fitNormalisation } = await import('../../../engine/normalise.ts');
    const c = input.config;
    const { stack } = input;
    const layout = samplerLayout(c);
    const spec = archFor(c);
    const normalisation = fitNormalisation(c.normalize, stack.data);
    // = trainCheckpointDir(outputDir, jobId): the renderer names it while the job runs.
    const checkpointDir = `${input.modelDir}/checkpoint`;
    const totalSteps = c.epochs * c.stepsPerEpoch;
    let checkpoints = 0;
    let engineReport: EngineReport | null = null;
    const engineName = () => (engineReport ? `${engineReport.engine}/${engineReport.provider ?? engineReport.backend}` : '');
    let last = { lastEpoch: 0, epochLoss: NaN, epochValLoss: NaN };
    const saveWith = (dir: string, weights: NamedWeights, extra: { history: TrainedModelSummary['history']; finalLoss: number | null; bestValLoss: number | null; bestEpoch: number; cancelled: boolean }) =>
      saveModel(dir, {
        spec,
        weights,
        config: {
          training: c,
          layout,
          normalisation,
          losses: { finalLoss: extra.finalLoss, bestValLoss: extra.bestValLoss, bestEpoch: extra.bestEpoch },
          history: extra.history,
          engine: engineReport ?? { engine: 'tfjs', backend: 'unknown' },
          cancelled: extra.cancelled,
        },
      });
    const history: TrainedModelSummary['history'] = [];
    const inner = await createTrainEngine(c.engine, (l) => ctx.log(l), c.backend);
    const engine = new SupervisedEngine(inner, ctx, input.previewEvery, async (weights, step) => {
      await saveWith(checkpointDir, weights, { history: [...history], finalLoss: null, bestValLoss: null, bestEpoch: 0, cancelled: false });
      checkpoints++;
      ctx.progress(step / totalSteps, `checkpoint at step ${step}`, { step, totalSteps, checkpoint: checkpoints, checkpointStep: step, ...numbers(last) });
    });
    ctx.progress(0, 'starting', { step: 0, totalSteps });
    const r = await trainModel({
      config: c,
      volumes: [{ depth: stack.depth, height: stack.height, width: stack.width, a: stack.data, b: input.copy?.data, clean: input.reference?.data }],
      engine,
      signal: ctx.signal,
      log: (l) => ctx.log(l),
      onEvent: (e) => {
        if (e.type === 'start') {
          engineReport = e.engine;
          ctx.log(`training on ${e.engine.engine}/${e.engine.provider ?? e.engine.backend}, ${e.parameters} parameters`);
        } else if (e.type === 'step') {
          const step = (e.epoch - 1) * e.stepsPerEpoch + e.step;
          ctx.progress(step / totalSteps, `epoch ${e.epoch}/${c.epochs}, step ${e.step}/${e.stepsPerEpoch} · ${engineName()}`, {
            step,
            totalSteps,
            epoch: e.epoch,
            loss: e.loss,
            lr: e.lr,
            eta: e.eta,
            secondsPerStep: e.secondsPerStep,
            checkpoint: checkpoints,
            ...numbers(last),
          });
        } else {
          history.push({ epoch: e.epoch, loss: e.loss, valLoss: e.valLoss, lr: e.lr, seconds: 0 });
          last = { lastEpoch: e.epoch, epochLoss: e.loss, epochValLoss: e.valLoss ?? NaN };
          ctx.progress((e.epoch * c.stepsPerEpoch) / totalSteps, `epoch ${e.epoch}/${c.epochs} done`, {
            step: e.epoch * c.stepsPerEpoch,
            totalSteps,
            epoch: e.epoch,
            lr: e.lr,
            eta: e.eta,
            checkpoint: checkpoints,
            ...numbers(last),
          });
        }
      },
    });
    ctx.progress(1, 'saving the model');
    await saveWith(input.modelDir, r.weights, { history: r.history, finalLoss: r.finalLoss, bestValLoss: r.bestValLoss, bestEpoch: r.bestEpoch, cancelled: r.cancelled });
    return {
      modelDir: input.modelDir,
      checkpointDir: checkpoints > 0 ? checkpointDir : undefined,
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
    };
  },

  finish(out) {
    return out;
  },
});

/** Progress values must be finite numbers; an epoch without validation has no valLoss. */
function numbers(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => Number.isFinite(v)));
}
