/** Running and recent jobs with their progress, at the bottom of the window. */
import type { JobInfo } from '../../shared/ipc/jobs.ts';
import { jobTitle, useWorkspace, type Workspace } from './workspace.ts';

const ACTIVE = new Set(['queued', 'running', 'paused']);

export function JobsBar({ ws }: { ws: Workspace }) {
  const jobs = useWorkspace(ws, (s) => s.jobs);
  // Active jobs, then the last finished one so its outcome stays visible.
  const active = jobs.filter((j) => ACTIVE.has(j.state));
  const last = jobs.filter((j) => !ACTIVE.has(j.state)).at(-1);
  const shown = last ? [...active, last] : active;
  return (
    <footer className="jobsbar" data-testid="jobs-bar">
      {shown.length === 0 && <span className="muted">No jobs</span>}
      {shown.map((j) => (
        <JobRow key={j.jobId} ws={ws} job={j} />
      ))}
    </footer>
  );
}

function JobRow({ ws, job }: { ws: Workspace; job: JobInfo }) {
  const pct = job.fraction === null ? null : Math.round(job.fraction * 100);
  return (
    <div className={`job job-${job.state}`} data-testid={`job-${job.kind}`} data-state={job.state}>
      <span className="job-title">{jobTitle(job.kind)}</span>
      {job.state !== 'error' && job.state !== 'cancelled' && (
        <>
          <progress max={100} value={pct ?? undefined} data-testid="job-progress" />
          <span className="job-pct">{pct === null ? '' : `${pct}%`}</span>
        </>
      )}
      <span className="job-message" title={job.message}>
        {job.state === 'done' ? 'done' : job.message}
      </span>
      {ACTIVE.has(job.state) && (
        <>
          {job.pausable && (
            <button onClick={() => void ws.api.invoke(job.state === 'paused' ? 'jobs:resume' : 'jobs:pause', { jobId: job.jobId })}>
              {job.state === 'paused' ? 'Resume' : 'Pause'}
            </button>
          )}
          <button data-testid="job-cancel" onClick={() => void ws.api.invoke('jobs:cancel', { jobId: job.jobId })}>
            Cancel
          </button>
        </>
      )}
    </div>
  );
}
