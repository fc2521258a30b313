/** Start a job and follow it to its end, with typed params and result. */
import { N2sError, type N2sApi } from '../../shared/ipc/api.ts';
import { jobKinds, type JobKind, type JobParams, type JobResult } from '../../shared/ipc/job-kinds/index.ts';
import type { JobInfo } from '../../shared/ipc/jobs.ts';

export interface RunningJob<K extends JobKind> {
  jobId: string;
  /** Resolves with the validated result, rejects with an N2sError (code 'cancelled' when cancelled). */
  done: Promise<JobResult<K>>;
}

export async function runJob<K extends JobKind>(
  api: N2sApi,
  kind: K,
  params: JobParams<K>,
  onUpdate?: (info: JobInfo) => void,
): Promise<RunningJob<K>> {
  let jobId = '';
  const early: JobInfo[] = [];
  let settle: ((info: JobInfo) => void) | null = null;
  // Subscribe before starting: a quick job may finish before jobs:start returns.
  const off = api.on('job:update', (info) => {
    if (!jobId) early.push(info);
    else if (info.jobId === jobId) handle(info);
  });
  const handle = (info: JobInfo): void => {
    onUpdate?.(info);
    if (info.state === 'done' || info.state === 'error' || info.state === 'cancelled') settle?.(info);
  };
  const done = new Promise<JobResult<K>>((resolve, reject) => {
    settle = (info) => {
      off();
      if (info.state === 'done') {
        const parsed = jobKinds[kind].result.safeParse(info.result);
        if (parsed.success) resolve(parsed.data as JobResult<K>);
        else reject(new N2sError('internal', `internal error: the ${kind} job returned a result of the wrong shape`));
      } else reject(new N2sError(info.error?.code ?? info.state, info.error?.message ?? info.state));
    };
  });
  try {
    ({ jobId } = await api.invoke('jobs:start', { kind, params }));
  } catch (e) {
    off();
    throw e;
  }
  for (const info of early.splice(0)) if (info.jobId === jobId) handle(info);
  return { jobId, done };
}
