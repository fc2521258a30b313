/**
 * 'denoise-hyperstack' (issue 18): every channel and time point of an open hyperstack group with
 * the denoise workflow's single-volume core (openDenoiser + denoiseVolume), looped over (t, c) —
 * or over (c, z) time series for a model trained with neighbours along t. A hyperstack model
 * folder (main/engine/hyperstack-model.ts) gives each channel its own model; an ordinary model
 * folder serves every channel. The result is a new group with the input's channels, names,
 * colours, voxel size and time increment, showing the time point the input shows.
 */
import type { DenoiseStackRequest } from '../../../../shared/config/denoise.ts';
import type { Hyperstack } from '../../../../shared/hyperstack.ts';
import type { WorkflowEvent } from '../../../../shared/workflow-events.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind, type JobContext } from '../kind.ts';

interface Input {
  hyper: Hyperstack;
  time: number;
  request: DenoiseStackRequest;
}

interface Output {
  hyper: Hyperstack;
  ranges: { min: number; max: number }[];
  time: number;
  engine: string;
  models: string;
  seconds: number;
}

/** Which model folder denoises which channels, and along which axis its neighbours run. */
interface Plan {
  axis: 'z' | 't';
  units: { dir: string; channels: number[] }[];
  models: string;
}

async function planModels(modelDir: string, channels: number): Promise<Plan> {
  const { join } = await import('node:path');
  const { readHyperstackManifest, entryFor } = await import('../../../engine/hyperstack-model.ts');
  const { InputMismatchError, ModelFolderError } = await import('../../../errors.ts');
  let manifest;
  try {
    manifest = await readHyperstackManifest(modelDir);
  } catch (e) {
    throw new ModelFolderError(`${modelDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const all = Array.from({ length: channels }, (_, c) => c);
  if (!manifest) return { axis: 'z', units: [{ dir: modelDir, channels: all }], models: channels > 1 ? `one model for all ${channels} channels` : 'one model' };
  if (manifest.channels === 'joint') throw new InputMismatchError('joint (all-channel) models cannot denoise in the app yet; use n2s denoise or a per-channel model');
  if (manifest.inputChannels !== channels) {
    throw new InputMismatchError(`the model was trained on ${manifest.inputChannels} channel${manifest.inputChannels === 1 ? '' : 's'}, this hyperstack has ${channels}`);
  }
  const byDir = new Map<string, number[]>();
  for (const c of all) {
    const dir = join(modelDir, entryFor(manifest, c).dir);
    byDir.set(dir, [...(byDir.get(dir) ?? []), c]);
  }
  return {
    axis: manifest.neighbourAxis,
    units: [...byDir].map(([dir, cs]) => ({ dir, channels: cs })),
    models: byDir.size > 1 ? 'one model per channel' : 'one model',
  };
}

/** Job progress over all volumes: volume i of n, and the plane events inside it. */
function progressOf(ctx: JobContext, n: number) {
  return (i: number, what: string) =>
    (e: WorkflowEvent): void => {
      if (e.type === 'log') ctx.log(e.line);
      else if (e.type === 'plane') ctx.progress((i + e.done / e.total) / n, `${what}: plane ${e.done} of ${e.total}`);
    };
}

export const job = defineJobKind('denoise-hyperstack', {
  prepare({ stackId, ...request }, main): Input {
    const groupId = main.stacks.groupOf(stackId);
    if (!groupId) throw new UserError(`${main.stacks.info(stackId).name} is not a channel of a hyperstack; denoise it as one stack`);
    const { hyper, time } = main.stacks.group(groupId);
    return { hyper, time, request: { ...request, modelDir: main.paths.assertReadable(request.modelDir) } };
  },

  async run({ hyper, time, request }, ctx): Promise<Output> {
    const t0 = Date.now();
    const { openDenoiser, denoiseVolume } = await import('../../../workflows/denoise.ts');
    const { channelVolume, planeOffset, timeSeries } = await import('../../../../shared/hyperstack.ts');
    const { channelRanges } = await import('../../stacks/stack-store.ts');
    const m = hyper.meta;
    const plan = await planModels(request.modelDir, m.channels);
    const hw = m.height * m.width;
    const out = new Float32Array(new SharedArrayBuffer(hyper.data.byteLength));
    const perChannel = plan.axis === 'z' ? m.times : m.depth;
    const n = m.channels * perChannel;
    const progress = progressOf(ctx, n);
    let done = 0;
    let engine = '';
    let description = '';
    for (const unit of plan.units) {
      const d = await openDenoiser({ ...request, modelDir: unit.dir }, { signal: ctx.signal, onEvent: (e) => (e.type === 'log' ? ctx.log(e.line) : undefined) });
      try {
        engine ||= [d.engine.engine, d.engine.provider ?? d.engine.backend].join('/');
        description ||= `denoised by Noise2Stack Studio, model ${d.config.training.method} ${d.config.layout.mode} K=${d.config.layout.k} (${plan.models}, neighbours along ${plan.axis})`;
        for (const c of unit.channels) {
          const cname = m.channelMeta[c]?.name ?? `channel ${c}`;
          if (plan.axis === 'z') {
            for (let t = 0; t < m.times; t++) {
              await ctx.checkpoint();
              const what = `${cname}, time point ${t + 1} of ${m.times}`;
              const v = channelVolume(hyper, t, c);
              out.set(await denoiseVolume(d, v, undefined, { signal: ctx.signal, onEvent: progress(done++, what), name: `${m.name} ${what}` }), planeOffset(m, t, c, 0));
            }
          } else {
            // Neighbours along t: each plane's time series is the volume (its frames are its planes).
            for (let z = 0; z < m.depth; z++) {
              await ctx.checkpoint();
              const what = `${cname}, plane ${z + 1} of ${m.depth} through time`;
              const series = timeSeries(hyper, c, z);
              const res = await denoiseVolume(d, series, undefined, { signal: ctx.signal, onEvent: progress(done++, what), name: `${m.name} ${what}` });
              for (let t = 0; t < m.times; t++) out.set(res.subarray(t * hw, (t + 1) * hw), planeOffset(m, t, c, z));
            }
          }
        }
      } finally {
        d.dispose();
      }
    }
    const name = `${m.name.replace(/\.(ome\.)?tiff?$|\.nii(\.gz)?$|\.zarr\/?$/i, '')} (denoised)`;
    const result: Hyperstack = {
      data: out,
      meta: {
        ...m,
        name,
        sourcePath: undefined,
        dtype: 'float32',
        description: `${m.description ? m.description + '\n' : ''}${description}`,
      },
    };
    return { hyper: result, ranges: channelRanges(result), time, engine, models: plan.models, seconds: (Date.now() - t0) / 1000 };
  },

  finish({ hyper, ranges, time, engine, models, seconds }, main, jobId) {
    const stacks = main.stacks.addHyperstack(hyper, 'result', jobId, ranges, time);
    return { stacks, engine, models, seconds };
  },
});
