/**
 * 'denoise-hyperstack' (issue 18): every channel and time point of an open hyperstack group through
 * the hyperstack denoise workflow's core (openHyperstackDenoiser), the one `n2s denoise` and the
 * shards use, reading the group from memory instead of a file: per-channel, single and joint models,
 * neighbours along z or t. The result is a new group with the input's channels, names, colours,
 * voxel size and time increment, showing the time point the input shows.
 */
import type { DenoiseStackRequest } from '../../../../shared/config/denoise.ts';
import type { Hyperstack } from '../../../../shared/hyperstack.ts';
import type { WorkflowEvent } from '../../../../shared/workflow-events.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';

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

export const job = defineJobKind('denoise-hyperstack', {
  prepare({ stackId, ...request }, main): Input {
    const groupId = main.stacks.groupOf(stackId);
    if (!groupId) throw new UserError(`${main.stacks.info(stackId).name} is not a channel of a hyperstack; denoise it as one stack`);
    const { hyper, time } = main.stacks.group(groupId);
    return { hyper, time, request: { ...request, modelDir: main.paths.assertReadable(request.modelDir) } };
  },

  async run({ hyper, time, request }, ctx): Promise<Output> {
    const t0 = Date.now();
    const { openHyperstackDenoiser } = await import('../../../workflows/hyperstack-denoise.ts');
    const { planeOffset } = await import('../../../../shared/hyperstack.ts');
    const { channelRanges } = await import('../../stacks/stack-store.ts');
    const m = hyper.meta;
    const hw = m.height * m.width;
    // The open hyperstack as the source the workflow reads plane by plane (n2s denoise reads a file).
    const src = { meta: m, readPlane: async (t: number, c: number, z: number) => hyper.data.subarray(planeOffset(m, t, c, z), planeOffset(m, t, c, z) + hw) };
    // Progress over the units (a time point, or a run of frames) and the planes predicted inside each.
    const at = { i: 0, n: 1, what: '', done: 0, planes: 1 };
    const onEvent = (e: WorkflowEvent): void => (e.type === 'log' ? ctx.log(e.line) : undefined);
    const onPlane = (): void => {
      at.done++;
      ctx.progress((at.i + Math.min(1, at.done / at.planes)) / at.n, `${at.what}: plane ${at.done} of ${at.planes}`);
    };
    const { modelDir, ...settings } = request;
    const d = await openHyperstackDenoiser(src, modelDir, settings, { signal: ctx.signal, onEvent, onPlane });
    const out = new Float32Array(new SharedArrayBuffer(hyper.data.byteLength));
    const engine = await (async () => {
      try {
        at.n = d.units.length;
        ctx.progress(0, 'denoising');
        for (const [i, u] of d.units.entries()) {
          await ctx.checkpoint();
          Object.assign(at, { i, done: 0, planes: (u.t1 - u.t0) * (u.z1 - u.z0) * m.channels });
          at.what = d.axis === 'z' ? `time point ${u.t0 + 1} of ${m.times}` : `frames ${u.t0 + 1}–${u.t1} of ${m.times}`;
          for (const [key, plane] of await d.computeUnit(u)) {
            const [t, c, z] = key.split(',').map(Number);
            out.set(plane, planeOffset(m, t, c, z));
          }
          ctx.progress((i + 1) / at.n, `${at.what}: done`);
        }
        return d.engine();
      } finally {
        d.dispose();
      }
    })();
    const description = `denoised by Noise2Stack Studio (${d.models}, neighbours along ${d.axis}; ${d.methods})`;
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
    return { hyper: result, ranges: channelRanges(result), time, engine, models: d.models, seconds: (Date.now() - t0) / 1000 };
  },

  finish({ hyper, ranges, time, engine, models, seconds }, main, jobId) {
    const stacks = main.stacks.addHyperstack(hyper, 'result', jobId, ranges, time);
    return { stacks, engine, models, seconds };
  },
});
