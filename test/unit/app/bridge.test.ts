/**
 * The loopback bridge end to end in Node (no browser): binary frames over a real WebSocket to the
 * real app core, worker jobs included.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startBridgeServer, type BridgeServer } from '../../../main/app/bridge/serve.ts';
import { memoryLogger } from '../../../main/app/log.ts';
import { generateMicroscopy } from '../../../main/science/synth-microscopy.ts';
import { BRIDGE_WS_PATH } from '../../../shared/ipc/bridge-protocol.ts';
import type { Reply } from '../../../shared/ipc/define.ts';
import { decodeFrame, encodeFrame } from '../../../shared/ipc/frame.ts';
import type { JobInfo } from '../../../shared/ipc/jobs.ts';
import type { Planes, StackInfo } from '../../../shared/ipc/stacks.ts';
import { tempDir } from './helpers.ts';

let server: BridgeServer;
let dataDir: string;

before(async () => {
  const rendererDir = tempDir();
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  dataDir = tempDir();
  server = await startBridgeServer({ rendererDir, core: { version: 'test', userDataDir: tempDir(), roots: [dataDir], log: memoryLogger() } });
});
after(() => server.close());

interface Client {
  call(channel: string, payload: unknown): Promise<Reply<unknown>>;
  events: { channel: string; payload: unknown }[];
  ws: WebSocket;
}

async function connect(opts: { token?: string; origin?: string } = {}): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${BRIDGE_WS_PATH}?token=${opts.token ?? server.token}`, {
    headers: opts.origin ? { Origin: opts.origin } : {},
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  let id = 0;
  const pending = new Map<number, (r: Reply<unknown>) => void>();
  const events: Client['events'] = [];
  ws.on('message', (data: Buffer) => {
    const m = decodeFrame(data) as { t: string; id: number; reply: Reply<unknown>; channel: string; payload: unknown };
    if (m.t === 'reply') pending.get(m.id)?.(m.reply);
    else events.push({ channel: m.channel, payload: m.payload });
  });
  return {
    ws,
    events,
    call: (channel, payload) =>
      new Promise((resolve) => {
        pending.set(++id, resolve);
        ws.send(encodeFrame({ t: 'invoke', id, channel, payload }));
      }),
  };
}

async function runJob(c: Client, kind: string, params: unknown): Promise<JobInfo> {
  const r = await c.call('jobs:start', { kind, params });
  assert.ok(r.ok, JSON.stringify(r));
  const { jobId } = r.value as { jobId: string };
  for (let i = 0; i < 600; i++) {
    const end = c.events.find((e) => e.channel === 'job:update' && (e.payload as JobInfo).jobId === jobId && ['done', 'error', 'cancelled'].includes((e.payload as JobInfo).state));
    if (end) return end.payload as JobInfo;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('job did not end');
}

test('connections without the session token or from another origin are refused', async () => {
  await assert.rejects(connect({ token: 'wrong' }), /HTTP 401/);
  await assert.rejects(connect({ origin: 'http://evil.example' }), /HTTP 401/);
  const ok = await connect({ origin: `http://127.0.0.1:${server.port}` });
  ok.ws.close();
});

test('calls are validated on the bridge exactly as over Electron IPC; junk frames are dropped', async () => {
  const c = await connect();
  try {
    const info = await c.call('app:info', {});
    assert.ok(info.ok && (info.value as { mode: string }).mode === 'bridge');
    const unknown = await c.call('fs:rm', { path: '/' });
    assert.equal(!unknown.ok && unknown.error.code, 'unknown-channel');
    const bad = await c.call('stack:planes', { stackId: 's1', axis: 'z', start: 'zero' });
    assert.equal(!bad.ok && bad.error.code, 'bad-request');
    c.ws.send('{"t":"invoke","id":99,"channel":"app:info","payload":{}}'); // text: not the protocol
    c.ws.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const still = await c.call('app:info', {});
    assert.ok(still.ok, 'the connection survives malformed frames');
  } finally {
    c.ws.close();
  }
});

test('a sample stack opens through a worker job and its planes arrive as Float32Array', async () => {
  const c = await connect();
  try {
    const end = await runJob(c, 'open-stack', { source: { kind: 'sample', id: 'microscopy-low' } });
    assert.equal(end.state, 'done', JSON.stringify(end.error));
    const info = end.result as StackInfo;
    assert.deepEqual([info.depth, info.height, info.width], [10, 128, 128]);
    assert.ok(c.events.some((e) => e.channel === 'stack:added' && (e.payload as StackInfo).stackId === info.stackId));
    const r = await c.call('stack:planes', { stackId: info.stackId, axis: 'z', start: 4, count: 1 });
    assert.ok(r.ok);
    const planes = r.value as Planes;
    assert.ok(planes.data instanceof Float32Array);
    // Independent check: the generator run here gives the same plane.
    const expected = generateMicroscopy({ seed: 7 }).low;
    const n = 128 * 128;
    assert.deepEqual([...planes.data.subarray(0, 50)], [...expected.data.subarray(4 * n, 4 * n + 50)]);
    let same = true;
    for (let i = 0; i < n; i++) if (planes.data[i] !== expected.data[4 * n + i]) same = false;
    assert.ok(same);
  } finally {
    c.ws.close();
  }
});

test('a TIFF file opens through the io readers; a bad file gives a readable job error', async () => {
  const c = await connect();
  try {
    const tif = join(dataDir, 'ramp.tif');
    // Written by tifffile (independent of our writer): 3×4×5 uint16 ramp.
    execFileSync('/usr/bin/python3', ['-c', `import numpy as np, tifffile; tifffile.imwrite(${JSON.stringify(tif)}, np.arange(60, dtype=np.uint16).reshape(3,4,5), imagej=True, metadata={'axes': 'ZYX'})`]);
    const end = await runJob(c, 'open-stack', { source: { kind: 'file', path: tif } });
    assert.equal(end.state, 'done', JSON.stringify(end.error));
    const info = end.result as StackInfo;
    assert.deepEqual([info.depth, info.height, info.width, info.min, info.max, info.meta.dtype], [3, 4, 5, 0, 59, 'uint16']);
    const y = await c.call('stack:planes', { stackId: info.stackId, axis: 'y', start: 1, count: 1 });
    assert.deepEqual([...(y.ok ? (y.value as Planes).data : [])], [5, 6, 7, 8, 9, 25, 26, 27, 28, 29, 45, 46, 47, 48, 49]);
    const recent = await c.call('files:recent', {});
    assert.deepEqual(recent.ok && recent.value, [tif]);

    const bad = join(dataDir, 'not-an-image.tif');
    writeFileSync(bad, 'this is text, not a TIFF');
    const fail = await runJob(c, 'open-stack', { source: { kind: 'file', path: bad } });
    assert.equal(fail.state, 'error');
    assert.equal(fail.error?.code, 'user');
    assert.match(fail.error?.message ?? '', /not-an-image\.tif/);
    assert.doesNotMatch(fail.error?.message ?? '', /\n| {4}at /, 'one line, no stack trace');
  } finally {
    c.ws.close();
  }
});

test('the static server sends the CSP with the bridge origin and serves nothing outside its folder', async () => {
  const res = await fetch(`http://127.0.0.1:${server.port}/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${server.port}`));
  assert.match(csp, /script-src 'self';/);
  mkdirSync(join(dataDir, 'x'), { recursive: true });
  for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/nope.js']) {
    const r = await fetch(`http://127.0.0.1:${server.port}${p}`);
    assert.equal(r.status, 404, p);
  }
});

test('the in-app file dialog lists only allowed folders', async () => {
  const c = await connect();
  try {
    mkdirSync(join(dataDir, 'sub'), { recursive: true });
    const l = await c.call('files:list-dir', { path: dataDir });
    assert.ok(l.ok);
    const listing = l.value as { entries: { name: string; kind: string }[]; parent: string | null };
    assert.ok(listing.entries.some((e) => e.name === 'sub' && e.kind === 'dir'));
    assert.equal(listing.parent, null, 'cannot go above the root');
    const denied = await c.call('files:list-dir', { path: '/etc' });
    assert.equal(!denied.ok && denied.error.code, 'denied');
  } finally {
    c.ws.close();
  }
});

test('the shipped MRI sample opens with its voxel size', async () => {
  const c = await connect();
  try {
    const samples = await c.call('stack:samples', {});
    assert.ok(samples.ok && (samples.value as { id: string }[]).some((s) => s.id === 'mri-demo'));
    const end = await runJob(c, 'open-stack', { source: { kind: 'sample', id: 'mri-demo' }, role: 'reference' });
    assert.equal(end.state, 'done', JSON.stringify(end.error));
    const info = end.result as StackInfo;
    assert.deepEqual([info.depth, info.height, info.width, info.role], [24, 128, 128, 'reference']);
    assert.deepEqual(info.meta.voxelSize, { z: 3, y: 2, x: 2, unit: 'mm' });
  } finally {
    c.ws.close();
  }
});
