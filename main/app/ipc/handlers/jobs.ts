import type { JobRunner } from '../../jobs/runner.ts';
import type { PartialHandlerMap } from '../handler.ts';

export function jobHandlers(
  jobs: JobRunner,
): PartialHandlerMap<'jobs:start' | 'jobs:cancel' | 'jobs:pause' | 'jobs:resume' | 'jobs:list'> {
  return {
    'jobs:start': async ({ kind, params }) => ({ jobId: await jobs.start(kind, params) }),
    'jobs:cancel': async ({ jobId }) => ({ accepted: jobs.cancel(jobId) }),
    'jobs:pause': async ({ jobId }) => ({ accepted: jobs.pause(jobId) }),
    'jobs:resume': async ({ jobId }) => ({ accepted: jobs.resume(jobId) }),
    'jobs:list': async () => jobs.list(),
  };
}
