import type { Samples } from '../../stacks/samples.ts';
import type { StackStore } from '../../stacks/stack-store.ts';
import type { PartialHandlerMap } from '../handler.ts';

export function stackHandlers(
  stacks: StackStore,
  samples: Samples,
): PartialHandlerMap<'stack:list' | 'stack:planes' | 'stack:close' | 'stack:samples' | 'stack:set-time'> {
  return {
    'stack:list': async () => stacks.list(),
    'stack:planes': async ({ stackId, axis, start, count }) => stacks.planes(stackId, axis, start, count),
    'stack:close': async ({ stackId }) => ({ closed: stacks.remove(stackId) }),
    'stack:samples': async () => samples.list(),
    'stack:set-time': async ({ groupId, time }) => stacks.setTime(groupId, time),
  };
}
