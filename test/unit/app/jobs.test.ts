import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { JobInfo } from '../../../shared/ipc/jobs.ts';
import { testCore } from './helpers.ts';

function updates(core: ReturnType<typeof testCore>): JobInfo[] {
  const seen: JobInfo[] = [];
  core.events.addSink((ch, p) => ch === 'job:update' && seen.push(p as JobInfo));
  return seen;
}

test('a job runs in a worker, reports progress, and its result passes through finish', async () => {
  const core = testCore();
  try {
    const seen = updates(core);
    const jobId = await core.jobs.start('test', { mode: 'count', steps: 4 });
    const end = await core.jobs.wait(jobId);
    assert.equal(end.state, 'done');
    // finish() summed the Float32Array the worker transferred: 0 + 0.5 + 1 + 1.5
    assert.deepEqual(end.result, { counted: 4, sum: 3 });
    const fractions = seen.filter((u) => u.state === 'running' && u.fraction !== null).map((u) => u.fraction);
    assert.deepEqual(fractions, [0.25, 0.5, 0.75, 1]);
    assert.equal(seen.at(-1)?.state, 'done');
    assert.equal(core.jobs.activeWorkers(), 0);
  } finally {
    await core.dispose();
  }
});

/** Counts Worker.terminate() calls made on this thread (the runner's) until restore(). */
function countTerminates(): { count: number; restore: () => void } {
  const terminate = Worker.prototype.terminate;
  const spy = {
    count: 0,
    restore: () => {
      Worker.prototype.terminate = terminate;
    },
  };
  Worker.prototype.terminate = function (this: Worker) {
    spy.count++;
    return terminate.call(this);
  };
  return spy;
}

test('after its result the worker ends itself (no terminate from outside), even with a handle left open', async () => {
  // A grace period far longer than the test: a worker that had to be terminated would hold the job
  // open for it. Terminating a thread from outside while ONNX Runtime ran on it aborted the process.
  const core = testCore({ cancelGraceMs: 60_000 });
  const terminated = countTerminates();
  try {
    const t0 = performance.now();
    const end = await core.jobs.wait(await core.jobs.start('test', { mode: 'open-handle' }));
    assert.equal(end.state, 'done');
    assert.deepEqual(end.result, { counted: 1, sum: 2 });
    assert.ok(performance.now() - t0 < 20_000, `the job ended after ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(core.jobs.activeWorkers(), 0);
    assert.equal(terminated.count, 0, 'the runner terminated the worker');
  } finally {
    terminated.restore();
    await core.dispose();
  }
});

for (const [mode, state] of [['onnx-step-in-flight', 'done'], ['onnx-step-cancelled', 'cancelled']] as const) {
  test(`a job that ends (${state}) while its ONNX training step runs in a child thread waits for the step: the process survives`, async () => {
    // The job's thread exiting stopped its step worker mid-call, and onnxruntime-node's uncaught
    // Napi::Error aborted this whole process (the app). No terminate from outside either.
    const core = testCore({ cancelGraceMs: 60_000 });
    const terminated = countTerminates();
    try {
      const jobId = await core.jobs.start('test', { mode });
      if (state === 'cancelled') {
        await waitFor(() => core.jobs.get(jobId)?.message === 'step running', 60_000);
        core.jobs.cancel(jobId);
      }
      const end = await core.jobs.wait(jobId);
      assert.equal(end.state, state, end.error?.message);
      assert.equal(core.jobs.activeWorkers(), 0);
      assert.equal(terminated.count, 0, 'a worker was terminated from outside');
    } finally {
      terminated.restore();
      await core.dispose();
    }
  });
}

test('the main event loop keeps running while a worker computes', async () => {
  const core = testCore({ cancelGraceMs: 100 });
  try {
    const jobId = await core.jobs.start('test', { mode: 'busy' });
    // A busy loop on the main thread would starve this timer; in a worker it does not.
    const t0 = Date.now();
    let ticks = 0;
    await new Promise<void>((r) => {
      const iv = setInterval(() => {
        if (++ticks === 10) {
          clearInterval(iv);
          r();
        }
      }, 20);
    });
    assert.ok(Date.now() - t0 < 1500, `10 timer ticks of 20 ms took ${Date.now() - t0} ms`);
    core.jobs.cancel(jobId);
    await core.jobs.wait(jobId);
  } finally {
    await core.dispose();
  }
});

test('cancelling a cooperative job stops it at its next checkpoint and ends its worker', async () => {
  const core = testCore({ cancelGraceMs: 10_000 });
  try {
    const jobId = await core.jobs.start('test', { mode: 'count', steps: 10_000, stepMs: 2 });
    await waitFor(() => (core.jobs.get(jobId)?.fraction ?? 0) > 0);
    const t0 = Date.now();
    assert.equal(core.jobs.cancel(jobId), true);
    const end = await core.jobs.wait(jobId);
    assert.equal(end.state, 'cancelled');
    // Well before the 10 s grace period: the worker stopped itself.
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    assert.equal(core.jobs.activeWorkers(), 0);
    assert.equal(core.jobs.cancel(jobId), false, 'a finished job cannot be cancelled again');
  } finally {
    await core.dispose();
  }
});

test('cancelling a job that never yields terminates its worker after the grace period', async () => {
  const core = testCore({ cancelGraceMs: 200 });
  try {
    const jobId = await core.jobs.start('test', { mode: 'busy' });
    await waitFor(() => core.jobs.get(jobId)?.message === 'spinning');
    assert.equal(core.jobs.activeWorkers(), 1);
    const t0 = Date.now();
    core.jobs.cancel(jobId);
    const end = await core.jobs.wait(jobId);
    const took = Date.now() - t0;
    assert.equal(end.state, 'cancelled');
    assert.ok(took >= 150 && took < 5000, `terminated after ${took} ms`);
    assert.equal(core.jobs.activeWorkers(), 0);
  } finally {
    await core.dispose();
  }
});

test('pause holds a job at its checkpoint, resume continues it', async () => {
  const core = testCore();
  try {
    const seen = updates(core);
    const jobId = await core.jobs.start('test', { mode: 'count', steps: 400, stepMs: 2 });
    await waitFor(() => (core.jobs.get(jobId)?.fraction ?? 0) > 0);
    assert.equal(core.jobs.pause(jobId), true);
    await waitFor(() => core.jobs.get(jobId)?.state === 'paused');
    const f = core.jobs.get(jobId)!.fraction;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(core.jobs.get(jobId)!.fraction, f, 'no progress while paused');
    core.jobs.resume(jobId);
    const end = await core.jobs.wait(jobId);
    assert.equal(end.state, 'done');
    assert.ok(seen.some((u) => u.state === 'paused'));
  } finally {
    await core.dispose();
  }
});

test('failures in a worker become job errors; the app keeps running', async () => {
  const core = testCore();
  try {
    const cases: [string, string, RegExp][] = [
      ['throw', 'internal', /^internal error: the kind failed on purpose$/],
      ['user-error', 'user', /^not a TIFF file: bad\.tif$/],
      ['uncaught', 'internal', /^the job crashed: asynchronous crash$/],
      ['exit', 'internal', /worker stopped unexpectedly \(exit code 3\)/],
    ];
    for (const [mode, code, re] of cases) {
      const jobId = await core.jobs.start('test', { mode });
      const end = await core.jobs.wait(jobId);
      assert.equal(end.state, 'error', mode);
      assert.equal(end.error?.code, code, mode);
      assert.match(end.error?.message ?? '', re, mode);
    }
    // Still serving: a fresh job after four failures completes.
    const ok = await core.jobs.wait(await core.jobs.start('test', { mode: 'count', steps: 2 }));
    assert.equal(ok.state, 'done');
    assert.equal(core.jobs.activeWorkers(), 0);
  } finally {
    await core.dispose();
  }
});

test('jobs beyond maxConcurrent wait in the queue; a queued job can be cancelled', async () => {
  const core = testCore({ cancelGraceMs: 100 });
  try {
    const a = await core.jobs.start('test', { mode: 'busy' });
    const b = await core.jobs.start('test', { mode: 'busy' });
    const c = await core.jobs.start('test', { mode: 'count', steps: 1 });
    assert.equal(core.jobs.get(c)?.state, 'queued');
    core.jobs.cancel(c);
    assert.equal((await core.jobs.wait(c)).state, 'cancelled');
    core.jobs.cancel(a);
    core.jobs.cancel(b);
    await Promise.all([core.jobs.wait(a), core.jobs.wait(b)]);
    assert.equal(core.jobs.activeWorkers(), 0);
  } finally {
    await core.dispose();
  }
});

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('reading a file does not wait behind long compute jobs (separate io lane)', async () => {
  const core = testCore({ cancelGraceMs: 100 });
  try {
    const busy = [await core.jobs.start('test', { mode: 'busy' }), await core.jobs.start('test', { mode: 'busy' })];
    const queued = await core.jobs.start('test', { mode: 'count', steps: 1 });
    assert.equal(core.jobs.get(queued)?.state, 'queued', 'a third compute job waits');
    const open = await core.jobs.start('open-stack', { source: { kind: 'sample', id: 'microscopy-low' } });
    const end = await core.jobs.wait(open);
    assert.equal(end.state, 'done');
    assert.equal(core.jobs.get(queued)?.state, 'queued', 'still waiting: the io job took no compute slot');
    for (const id of [...busy, queued]) core.jobs.cancel(id);
    await Promise.all([...busy, queued].map((id) => core.jobs.wait(id)));
    assert.equal(core.jobs.activeWorkers(), 0);
  } finally {
    await core.dispose();
  }
});
