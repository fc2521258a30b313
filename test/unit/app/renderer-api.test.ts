/** The renderer's typed client and runJob, against a scripted raw API (no browser needed). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { typedApi } from '../../../renderer/api/client.ts';
import { runJob } from '../../../renderer/api/jobs.ts';
import { N2sError, type N2sRawApi } from '../../../shared/ipc/api.ts';
import type { Reply } from '../../../shared/ipc/define.ts';
import type { JobInfo } from '../../../shared/ipc/jobs.ts';

const stackInfo = {
  stackId: 's1',
  name: 'x',
  depth: 3,
  height: 4,
  width: 5,
  role: 'primary',
  min: 0,
  max: 1,
  meta: { name: 'x', dtype: 'uint16', voxelSize: { z: 1, y: 1, x: 1, unit: 'pixel' }, flavour: 'plain', sourceAxes: 'ZYX', sourceShape: [3, 4, 5] },
};

function job(state: JobInfo['state'], extra: Partial<JobInfo> = {}): JobInfo {
  return { jobId: 'job-1', kind: 'open-stack', state, fraction: null, message: '', values: {}, pausable: false, startedAt: 0, ...extra };
}

/** A raw API whose jobs:start emits `script` events — before or after it replies. */
function scripted(script: JobInfo[], emitBeforeReply: boolean): N2sRawApi {
  const listeners = new Set<(p: unknown) => void>();
  const emitAll = () => script.forEach((e) => listeners.forEach((l) => l(e)));
  return {
    transport: 'bridge',
    async invoke(channel): Promise<Reply<unknown>> {
      if (channel !== 'jobs:start') return { ok: false, error: { code: 'unknown-channel', message: `unknown IPC channel "${channel}"` } };
      if (emitBeforeReply) emitAll();
      else setTimeout(emitAll, 5);
      return { ok: true, value: { jobId: 'job-1' } };
    },
    on(channel, l) {
      if (channel === 'job:update') listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

test('runJob follows a job to its validated result, even one that ends before the start call returns', async () => {
  for (const early of [false, true]) {
    const seen: string[] = [];
    const api = typedApi(scripted([job('running', { fraction: 0.5 }), job('done', { result: stackInfo })], early));
    const running = await runJob(api, 'open-stack', { source: { kind: 'sample', id: 'microscopy-low' } }, (i) => seen.push(i.state));
    const result = await running.done;
    assert.equal(result.stackId, 's1');
    assert.deepEqual(seen, ['running', 'done'], `early=${early}`);
  }
});

test('a failed job rejects with its readable message and code; a refused call rejects as N2sError', async () => {
  const api = typedApi(scripted([job('error', { error: { code: 'user', message: 'bad.tif: not a TIFF file' } })], false));
  const running = await runJob(api, 'open-stack', { source: { kind: 'file', path: '/x/bad.tif' } });
  await assert.rejects(running.done, (e: unknown) => e instanceof N2sError && e.code === 'user' && e.message === 'bad.tif: not a TIFF file');
  await assert.rejects(
    api.invoke('stack:list', {}),
    (e: unknown) => e instanceof N2sError && e.code === 'unknown-channel',
  );
});

test('a result that does not match the kind’s schema is refused, not passed on', async () => {
  const api = typedApi(scripted([job('done', { result: { stackId: 3 } })], false));
  const running = await runJob(api, 'open-stack', { source: { kind: 'sample', id: 'x' } });
  await assert.rejects(running.done, /the open-stack job returned a result of the wrong shape/);
});
