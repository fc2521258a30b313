/** 'open-stack': read a stack file (or generate a shipped sample) in a worker and keep it in main. */
import { z } from 'zod';
import { StackInfo, StackRole } from '../stacks.ts';

export const openStackJob = {
  params: z.object({
    source: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('file'), path: z.string().min(1) }),
      z.object({ kind: z.literal('sample'), id: z.string().min(1) }),
    ]),
    role: StackRole.default('primary'),
    /** Which channel / time point to take from a multi-channel or time-lapse file. */
    channel: z.number().int().min(0).optional(),
    time: z.number().int().min(0).optional(),
  }),
  result: StackInfo,
  pausable: false,
  lane: 'io' as const,
};
