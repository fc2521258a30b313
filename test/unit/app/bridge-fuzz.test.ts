/**
 * Issue 16, the local server: malformed HTTP and WebSocket traffic, with and without the session
 * token, must never stop the bridge server. The server runs in a child process (a crash ends it
 * and fails the test); after every case the test checks that it still serves the page and still
 * answers an authenticated bridge call. Loopback only; every case is bounded in time and size.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { BRIDGE_WS_PATH } from '../../../shared/ipc/bridge-protocol.ts';
import { decodeFrame, encodeFrame } from '../../../shared/ipc/frame.ts';
import { createRng } from '../../../shared/random.ts';
import { appProtocolResponse } from '../../../main/electron/app-protocol.ts';
import { tempDir } from './helpers.ts';

const SERVER = fileURLToPath(new URL('./bridge-fuzz-server.ts', import.meta.url));
const CASE_MS = 3000;

let child: ChildProcess;
let port = 0;
let token = '';
let stderr = '';

before(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', SERVER], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (c) => reject(new Error(`server exited (${c}): ${stderr}`)));
  });
  ({ port, token } = JSON.parse(line) as { port: number; token: string });
});

after(() => {
  child.kill('SIGTERM');
});

/** Sends raw bytes on a fresh loopback connection; resolves with what came back (bounded). */
function raw(bytes: Buffer | string, opts: { reset?: boolean; keepMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const s: Socket = tcpConnect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, opts.keepMs ?? 600);
    s.on('error', done);
    s.on('data', (d) => {
      if (got.length < 4096) got += d.toString('latin1');
    });
    s.on('close', done);
    s.on('connect', () => {
      s.write(bytes, () => {
        if (opts.reset) s.resetAndDestroy();
      });
    });
  });
}

/** A WebSocket handshake by hand (so that malformed frames can follow); resolves with the socket. */
function handshake(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, '127.0.0.1');
    const key = randomBytes(16).toString('base64');
    s.on('error', reject);
    s.once('data', (d) => {
      const text = d.toString('latin1');
      const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      if (text.startsWith('HTTP/1.1 101') && text.includes(accept)) resolve(s);
      else reject(new Error(`handshake refused: ${text.split('\r\n')[0]}`));
    });
    s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
}

/** A client frame: FIN + opcode, masked unless told otherwise, any declared length. */
function frame(opcode: number, payload: Buffer, opts: { fin?: boolean; rsv?: number; mask?: boolean; declared?: number } = {}): Buffer {
  const len = opts.declared ?? payload.length;
  const b0 = ((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opcode;
  const mask = opts.mask ?? true;
  let head: Buffer;
  if (len < 126) head = Buffer.from([b0, (mask ? 0x80 : 0) | len]);
  else if (len < 65536) {
    head = Buffer.alloc(4);
    head[0] = b0;
    head[1] = (mask ? 0x80 : 0) | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = (mask ? 0x80 : 0) | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!mask) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([head, key, body]);
}

/** Writes frames after an authenticated handshake, then waits for the server to close or a bound. */
async function wsCase(frames: Buffer[]): Promise<void> {
  const s = await handshake(`${BRIDGE_WS_PATH}?token=${token}`);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      s.destroy();
      resolve();
    }, 800);
    s.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    s.on('error', () => {});
    for (const f of frames) if (!s.destroyed) s.write(f);
  });
}

/** The server still serves the page and still answers an authenticated call. */
async function stillServing(label: string): Promise<void> {
  assert.equal(child.exitCode, null, `${label}: the server died: ${stderr.slice(-2000)}`);
  const page = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(CASE_MS) });
  assert.equal(page.status, 200, `${label}: GET /`);
  await page.text();
  const ws = new WebSocket(`ws://127.0.0.1:${port}${BRIDGE_WS_PATH}?token=${token}`);
  try {
    const reply = await new Promise<{ ok: boolean }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label}: no reply to app:info`)), CASE_MS);
      ws.once('error', reject);
      ws.once('open', () => ws.send(encodeFrame({ t: 'invoke', id: 1, channel: 'app:info', payload: {} })));
      ws.on('message', (d: Buffer) => {
        const m = decodeFrame(d) as { t: string; reply: { ok: boolean } };
        if (m.t === 'reply') {
          clearTimeout(timer);
          resolve(m.reply);
        }
      });
    });
    assert.ok(reply.ok, `${label}: app:info`);
  } finally {
    ws.terminate();
  }
}

const req = (line: string, headers = ''): string => `${line}\r\nHost: 127.0.0.1\r\n${headers}\r\n`;

test('malformed HTTP with and without the token: bad URIs get 400, the server keeps serving', async () => {
  const bad = await raw(req('GET /%E0%A4%A HTTP/1.1'));
  assert.match(bad, /^HTTP\/1\.1 400/);
  assert.match(await raw(req(`GET /%E0%A4%A?token=${token} HTTP/1.1`)), /^HTTP\/1\.1 400/);
  assert.match(await raw(req('GET /a%00b HTTP/1.1')), /^HTTP\/1\.1 400/);
  assert.match(await raw(req('GET /..%2f..%2f..%2fetc%2fpasswd HTTP/1.1')), /^HTTP\/1\.1 404/);
  const rng = createRng(16);
  const cases: [string, Buffer | string, { reset?: boolean }?][] = [
    ['no version', 'GET /\r\n\r\n'],
    ['garbage request line', '\x00\x01\x02 \xff\xfe HTTP/9.9\r\n\r\n'],
    ['absolute-form URL', req('GET http://evil.example/%E0 HTTP/1.1')],
    ['double slash', req('GET //%E0%A4%A HTTP/1.1')],
    ['bad header name', req('GET / HTTP/1.1', 'Bad Header\x01: x\r\n')],
    ['huge header', req('GET / HTTP/1.1', `X-Big: ${'a'.repeat(80_000)}\r\n`)],
    ['negative length', req('POST / HTTP/1.1', 'Content-Length: -1\r\n')],
    ['bad chunked body', req('POST / HTTP/1.1', 'Transfer-Encoding: chunked\r\n') + 'zz\r\nxx\r\n'],
    ['both lengths', req('POST / HTTP/1.1', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n') + '0\r\n\r\n'],
    ['unknown method', req('BREW /%E0 HTTP/1.1')],
    ['half a request, reset', 'GET /index.html HTT', { reset: true }],
    ['upgrade, bad URI, no token', req('GET /%E0%A4%A HTTP/1.1', 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x\r\n')],
    ['upgrade, bridge path, no token', req(`GET ${BRIDGE_WS_PATH} HTTP/1.1`, 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n')],
    ['upgrade, token, no key', req(`GET ${BRIDGE_WS_PATH}?token=${token} HTTP/1.1`, 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n')],
    ['upgrade, token, bad version', req(`GET ${BRIDGE_WS_PATH}?token=${token} HTTP/1.1`, 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n')],
    ['upgrade, bad %-escape in token', req(`GET ${BRIDGE_WS_PATH}?token=%E0%A4%A HTTP/1.1`, 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n')],
    ['upgrade then reset', req(`GET ${BRIDGE_WS_PATH}?token=${token} HTTP/1.1`, 'Upgrade: websocket\r\nConnection: Upgrade\r\n'), { reset: true }],
  ];
  for (let k = 0; k < 6; k++) cases.push([`random bytes ${k}`, Buffer.from(Array.from({ length: 64 + rng.int(4000) }, () => rng.int(256)))]);
  for (const [label, bytes, opts] of cases) {
    await raw(bytes, opts);
    await stillServing(label);
  }
});

test('malformed and oversized WebSocket traffic after an authenticated handshake: the server keeps answering', async () => {
  const rng = createRng(61);
  const cases: [string, Buffer[]][] = [
    ['reserved opcode 0x3', [frame(0x3, Buffer.from('x'))]],
    ['reserved opcode 0xB (control)', [frame(0xb, Buffer.from('x'))]],
    ['RSV bits without an extension', [frame(0x2, Buffer.from('x'), { rsv: 7 })]],
    ['unmasked client frame', [frame(0x2, Buffer.from('abc'), { mask: false })]],
    ['200 MB declared message', [frame(0x2, Buffer.alloc(16), { declared: 200 * 1024 * 1024 })]],
    ['2^63 declared message', [Buffer.from([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4])]],
    ['invalid UTF-8 text', [frame(0x1, Buffer.from([0xff, 0xfe, 0xc3, 0x28]))]],
    ['control frame over 125 bytes', [frame(0x9, Buffer.alloc(200))]],
    ['fragmented ping', [frame(0x9, Buffer.from('x'), { fin: false })]],
    ['continuation without a start', [frame(0x0, Buffer.from('x'))]],
    ['close with an invalid code', [frame(0x8, Buffer.from([0x03, 0xe7]))]],
    ['binary junk', [frame(0x2, randomBytes(300))]],
    ['frame of an unknown channel', [frame(0x2, Buffer.from(encodeFrame({ t: 'invoke', id: 7, channel: 'fs:rm', payload: { path: '/' } })))]],
    ['text protocol message', [frame(0x1, Buffer.from('{"t":"invoke","id":1,"channel":"app:info","payload":{}}'))]],
    ['random bytes', [Buffer.from(Array.from({ length: 2000 }, () => rng.int(256)))]],
  ];
  for (const [label, frames] of cases) {
    await wsCase(frames);
    await stillServing(label);
  }
  // The same oversized message through a real client: refused with a close (1009), not a crash.
  const ws = new WebSocket(`ws://127.0.0.1:${port}${BRIDGE_WS_PATH}?token=${token}`);
  const closeCode = await new Promise<number>((resolve, reject) => {
    ws.once('error', () => {});
    ws.once('open', () => ws.send(Buffer.alloc(64 * 1024 * 1024 + 1)));
    ws.once('close', (code) => resolve(code));
    setTimeout(() => reject(new Error('no close after an oversized message')), 10_000);
  });
  assert.equal(closeCode, 1009);
  await stillServing('oversized message from a real client');
});

test('the app:// handler answers a malformed URI with 400 instead of throwing', async () => {
  const root = tempDir();
  for (const url of ['app://renderer/%E0%A4%A', 'app://renderer/a%00b', 'app://renderer/%', 'app://renderer/%E0%A4%A/index.html']) {
    const r = await appProtocolResponse(url, root);
    assert.equal(r.status, 400, url);
  }
  assert.equal((await appProtocolResponse('app://renderer/..%2f..%2fetc%2fpasswd', root)).status, 404);
});
