/**
 * 'open-stack': read a file (or produce a sample) in the worker; main keeps the stack. A file with
 * several channels or time points (and no channel/time asked for) is read whole and kept as a
 * hyperstack group: one stack per channel, showing one time point (issue 18).
 */
import type { Hyperstack } from '../../../../shared/hyperstack.ts';
import type { StackInfo } from '../../../../shared/ipc/stacks.ts';
import type { Stack } from '../../../../shared/stack.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';
import type { SampleSource } from '../../stacks/samples.ts';

interface Input {
  source: { kind: 'file'; path: string } | { kind: 'sample'; sample: SampleSource; name: string };
  role: 'primary' | 'second-copy' | 'reference' | 'result';
  channel?: number;
  time?: number;
}

type Output =
  | { stack: Stack; range: { min: number; max: number }; input: Input }
  | { hyper: Hyperstack; ranges: { min: number; max: number }[]; input: Input };

/**
 * The app keeps an opened hyperstack whole in main's memory (float32, shared with the jobs' workers):
 * beyond 4 GB, or a quarter of this machine's memory (a denoised result needs as much again), it
 * refuses in one sentence instead of exhausting memory; the command line streams.
 */
export const APP_HYPERSTACK_MAX_BYTES = 4 * 1024 ** 3;
const maxBytes = (totalMemory: number): number => Math.min(APP_HYPERSTACK_MAX_BYTES, Math.floor(totalMemory / 4));

/** The copy into shared memory and the range scan happen here, in the worker, not in main. */
async function handOver(stack: Stack, input: Input): Promise<Output> {
  const { toSharedStack, stackRange } = await import('../../stacks/stack-store.ts');
  return { stack: toSharedStack(stack), range: stackRange(stack.data), input };
}

export const job = defineJobKind('open-stack', {
  prepare(params, main): Input {
    const { role, channel, time } = params;
    if (params.source.kind === 'file') {
      const path = main.paths.assertReadable(params.source.path);
      return { source: { kind: 'file', path }, role, channel, time };
    }
    const id = params.source.id;
    const sample = main.samples.source(id);
    const name = main.samples.list().find((s) => s.id === id)?.name ?? id;
    return { source: { kind: 'sample', sample, name }, role, channel, time };
  },

  async run(input, ctx): Promise<Output> {
    if (input.source.kind === 'sample') {
      ctx.progress(null, `generating ${input.source.name}`);
      const { loadSample } = await import('../../stacks/samples.ts');
      return handOver(await loadSample(input.source.sample, input.source.name), input);
    }
    const path = input.source.path;
    ctx.progress(0, `reading ${path}`);
    if (input.channel === undefined && input.time === undefined) {
      const hyper = await readWholeIfHyperstack(path, ctx.progress);
      if (hyper) {
        const { toSharedHyperstack, channelRanges } = await import('../../stacks/stack-store.ts');
        const shared = toSharedHyperstack(hyper);
        return { hyper: shared, ranges: channelRanges(shared), input };
      }
    }
    const { readStack } = await import('../../../io/index.ts');
    const stack = await readStack(path, {
      channel: input.channel,
      time: input.time,
      onProgress: (done, total) => ctx.progress(done / total, `reading plane ${done} of ${total}`),
    });
    return handOver(stack, input);
  },

  finish(out, main, jobId): StackInfo {
    const { input } = out;
    if (input.source.kind === 'file') main.recent.add(input.source.path);
    // The job's result is the first channel; every channel arrives as a stack:added event.
    if ('hyper' in out) return main.stacks.addHyperstack(out.hyper, input.role, jobId, out.ranges)[0];
    return main.stacks.add(out.stack, input.role, jobId, out.range);
  },
});

/** The whole hyperstack when the file has several channels or time points; undefined for a plain ZYX stack. */
async function readWholeIfHyperstack(path: string, progress: (f: number | null, m?: string) => void): Promise<Hyperstack | undefined> {
  const { openHyperstack } = await import('../../../io/hyperstack.ts');
  const { planeOffset } = await import('../../../../shared/hyperstack.ts');
  // Whatever the hyperstack reader cannot open goes to the single-stack reader, whose message the user sees.
  const src = await openHyperstack(path).catch(() => undefined);
  if (!src) return undefined;
  try {
    const m = src.meta;
    if (m.channels <= 1 && m.times <= 1) return undefined;
    const values = m.times * m.channels * m.depth * m.height * m.width;
    const { totalmem } = await import('node:os');
    const limit = maxBytes(totalmem());
    if (values * 4 > limit) {
      throw new UserError(
        `${m.name} is ${m.times} time points × ${m.channels} channels × ${m.depth}×${m.height}×${m.width} (${(values * 4 / 1024 ** 3).toFixed(1)} GB as float32), ` +
          `more than the ${(limit / 1024 ** 3).toFixed(1)} GB the app holds in memory here; denoise it with n2s denoise on the command line, which streams`,
      );
    }
    // Read straight into shared memory: the array goes to main without another copy.
    let data: Float32Array;
    try {
      data = new Float32Array(new SharedArrayBuffer(values * 4));
    } catch {
      throw new UserError(`not enough memory to hold ${m.name} (${(values * 4 / 1024 ** 3).toFixed(2)} GB as float32); close other stacks or denoise it with n2s denoise on the command line, which streams`);
    }
    const total = m.times * m.channels * m.depth;
    let done = 0;
    for (let t = 0; t < m.times; t++) {
      for (let c = 0; c < m.channels; c++) {
        for (let z = 0; z < m.depth; z++) {
          data.set(await src.readPlane(t, c, z), planeOffset(m, t, c, z));
          if (++done % 16 === 0 || done === total) progress(done / total, `reading plane ${done} of ${total}`);
        }
      }
    }
    return { meta: m, data };
  } finally {
    await src.close();
  }
}
