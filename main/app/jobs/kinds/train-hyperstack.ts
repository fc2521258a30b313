/**
 * 'train-hyperstack' (issue 18): the hyperstack train workflow (main/workflows/hyperstack-train.ts)
 * on an open hyperstack group — one model per channel or one joint network, every time point as
 * training data (or each plane's time series with neighbours along t) — into ONE model folder in
 * the app's output folder, which 'denoise-hyperstack' then reads.
 */
import type { TrainingConfig, TrainingConfigInput } from '../../../../shared/config/training.ts';
import type { Hyperstack } from '../../../../shared/hyperstack.ts';
import { trainModelDir } from '../../../../shared/ipc/job-kinds/train.ts';
import type { WorkflowEvent } from '../../../../shared/workflow-events.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';

interface Input {
  hyper: Hyperstack;
  config: TrainingConfig;
  neighbourAxis: 'z' | 't';
  channels: 'per-channel' | 'joint';
  out: string;
  time?: number;
}

export const job = defineJobKind('train-hyperstack', {
  prepare(params, main, jobId): Input {
    const groupId = main.stacks.groupOf(params.stackId);
    if (!groupId) throw new UserError(`${main.stacks.info(params.stackId).name} is not a channel of a hyperstack; train on it as one stack`);
    const { hyper } = main.stacks.group(groupId);
    return { hyper, config: params.config, neighbourAxis: params.neighbourAxis, channels: params.channels, out: trainModelDir(main.outputDir, jobId), time: params.time };
  },

  async run({ hyper, config, neighbourAxis, channels, out, time }, ctx) {
    const t0 = Date.now();
    const { trainHyperstack } = await import('../../../workflows/hyperstack-train.ts');
    // Progress per model: one per channel, or the one joint network.
    const C = channels === 'joint' ? 1 : hyper.meta.channels;
    let channel = -1;
    const onEvent = (e: WorkflowEvent): void => {
      if (e.type === 'log') ctx.log(e.line);
      else if (e.type === 'stage' && e.stage === 'train') {
        channel++;
        ctx.progress(channel / C, e.message);
      } else if (e.type === 'step') {
        const c = Math.max(0, channel);
        const which = channels === 'joint' ? `joint network for ${hyper.meta.channels} channels` : `channel ${c + 1} of ${C}`;
        ctx.progress((c + e.step / e.totalSteps) / C, `${which}: epoch ${e.epoch}/${e.epochs}, step ${e.stepInEpoch}/${e.stepsPerEpoch}`);
      }
    };
    // Under a time budget the epochs and steps are the budget's to plan (as in the train job).
    const unplanned: TrainingConfigInput = { ...config };
    delete unplanned.epochs;
    delete unplanned.stepsPerEpoch;
    const r = await trainHyperstack(
      { config: time !== undefined ? unplanned : config, time, out, input: hyper.meta.sourcePath ?? hyper.meta.name, channels, neighbourAxis, overwrite: false },
      hyper,
      { signal: ctx.signal, beforeStep: () => ctx.checkpoint(), onEvent },
    );
    return {
      modelDir: r.modelDir,
      name: `${hyper.meta.name.replace(/\.(ome\.)?tiff?$|\.nii(\.gz)?$|\.zarr\/?$/i, '')} · ${channels === 'joint' ? 'joint' : 'per channel'} · ${config.method ?? 'n2s'}`,
      entries: r.entries.map((e) => ({
        channels: e.channels,
        ...(e.names ? { names: e.names } : {}),
        finalLoss: e.outcome.finalLoss,
        ...(e.outcome.verdict ? { verdict: e.outcome.verdict.sentence } : {}),
      })),
      seconds: (Date.now() - t0) / 1000,
    };
  },

  finish(out) {
    return out;
  },
});
