/** 'open-stack': read a file (or produce a sample) in the worker; main keeps the stack. */
import type { Stack } from '../../../../shared/stack.ts';
import { defineJobKind } from '../kind.ts';
import type { SampleSource } from '../../stacks/samples.ts';

interface Input {
  source: { kind: 'file'; path: string } | { kind: 'sample'; sample: SampleSource; name: string };
  role: 'primary' | 'second-copy' | 'reference' | 'result';
  channel?: number;
  time?: number;
}

interface Output {
  stack: Stack;
  range: { min: number; max: number };
  input: Input;
}

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
    const { readStack } = await import('../../../io/index.ts');
    const stack = await readStack(path, {
      channel: input.channel,
      time: input.time,
      onProgress: (done, total) => ctx.progress(done / total, `reading plane ${done} of ${total}`),
    });
    return handOver(stack, input);
  },

  finish({ stack, range, input }, main, jobId) {
    if (input.source.kind === 'file') main.recent.add(input.source.path);
    return main.stacks.add(stack, input.role, jobId, range);
  },
});
