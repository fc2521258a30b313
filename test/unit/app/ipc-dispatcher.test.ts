import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDispatcher } from '../../../main/app/ipc/dispatcher.ts';
import type { HandlerMap } from '../../../main/app/ipc/handler.ts';
import { memoryLogger } from '../../../main/app/log.ts';
import { UserError } from '../../../main/errors.ts';
import { testCore } from './helpers.ts';

test('unknown channels are rejected, logged, and reach no handler', async () => {
  const core = testCore();
  try {
    for (const ch of ['no:such-channel', '__proto__', 'constructor', 42, null]) {
      const r = await core.dispatcher.dispatch(ch, {});
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.error.code, 'unknown-channel');
    }
    assert.equal(core.logLines.filter((l) => l.includes('unknown channel')).length, 5);
  } finally {
    await core.dispose();
  }
});

test('malformed payloads are rejected with a message naming the field, and logged', async () => {
  const core = testCore();
  try {
    const cases: [string, unknown, RegExp][] = [
      ['stack:planes', { stackId: 7, axis: 'z', start: 0 }, /stackId/],
      ['stack:planes', { stackId: 's1', axis: 'w', start: 0 }, /axis/],
      ['stack:planes', { stackId: 's1', axis: 'z', start: -1 }, /start/],
      ['jobs:cancel', {}, /jobId/],
      ['app:info', { extra: true }, /malformed/], // strict empty request
      ['files:choose-open', { purpose: 'anything' }, /purpose/],
      ['stack:list', 'not an object', /malformed/],
    ];
    for (const [channel, payload, re] of cases) {
      const r = await core.dispatcher.dispatch(channel, payload);
      assert.equal(r.ok, false, `${channel} ${JSON.stringify(payload)} should fail`);
      if (!r.ok) {
        assert.equal(r.error.code, 'bad-request');
        assert.match(r.error.message, re);
      }
    }
    assert.equal(core.logLines.filter((l) => l.includes('malformed request')).length, cases.length);
  } finally {
    await core.dispose();
  }
});

test('job parameters are validated against the kind before any worker starts', async () => {
  const core = testCore();
  try {
    const r1 = await core.dispatcher.dispatch('jobs:start', { kind: 'open-stack', params: { source: { kind: 'file' } } });
    assert.equal(!r1.ok && r1.error.code, 'bad-request');
    assert.match(!r1.ok ? r1.error.message : '', /open-stack: bad parameters: source\.path/);
    const r2 = await core.dispatcher.dispatch('jobs:start', { kind: 'rm-rf', params: {} });
    assert.match(!r2.ok ? r2.error.message : '', /unknown job kind "rm-rf"/);
    for (const kind of ['constructor', '__proto__', 'toString']) {
      const r = await core.dispatcher.dispatch('jobs:start', { kind, params: {} });
      assert.equal(!r.ok && r.error.code, 'bad-request', kind);
    }
    assert.equal(core.jobs.list().length, 0);
    assert.equal(core.jobs.activeWorkers(), 0);
  } finally {
    await core.dispose();
  }
});

test('a path outside the allowed places is denied', async () => {
  const core = testCore({ roots: [] });
  try {
    const r = await core.dispatcher.dispatch('jobs:start', { kind: 'open-stack', params: { source: { kind: 'file', path: '/etc/passwd' } } });
    assert.equal(!r.ok && r.error.code, 'denied');
    const l = await core.dispatcher.dispatch('files:list-dir', { path: '/' });
    assert.equal(!l.ok && l.error.code, 'denied');
  } finally {
    await core.dispose();
  }
});

test('valid calls reach their handler; handler errors keep a readable message', async () => {
  const core = testCore();
  try {
    const info = await core.dispatcher.dispatch('app:info', {});
    assert.ok(info.ok && (info.value as { mode: string }).mode === 'bridge');
    const missing = await core.dispatcher.dispatch('stack:planes', { stackId: 's99', axis: 'z', start: 0 });
    assert.deepEqual(missing, { ok: false, error: { code: 'user', message: 'no open stack with id s99' } });
  } finally {
    await core.dispose();
  }
});

test('a dispatcher without a handler for every contract channel refuses to start', async () => {
  const core = testCore();
  await core.dispose();
  const handlers: Partial<HandlerMap> = { 'app:info': async () => core.info };
  assert.throws(() => createDispatcher(handlers as HandlerMap, memoryLogger()), /without a handler: .*stack:list/);
  // Internal errors are marked as such, user errors are passed through as they are.
  const full = { ...(await import('../../../main/app/ipc/handlers/index.ts')).createHandlers(core) };
  full['stack:list'] = async () => {
    throw new Error('boom');
  };
  full['stack:samples'] = async () => {
    throw new UserError('no samples here');
  };
  const log = memoryLogger();
  const d = createDispatcher(full, log);
  assert.deepEqual(await d.dispatch('stack:list', {}), { ok: false, error: { code: 'internal', message: 'internal error: boom' } });
  assert.deepEqual(await d.dispatch('stack:samples', {}), { ok: false, error: { code: 'user', message: 'no samples here' } });
  assert.ok(log.lines.some((l) => l.startsWith('error: ipc: stack:list failed')));
});
