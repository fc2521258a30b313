/** `n2s engines --json`: every engine and provider with a status, and a reason where unavailable. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EngineStatus } from '../../../main/engine/engines.ts';

test('n2s engines --json lists ONNX Runtime providers and tfjs backends with status and reasons', () => {
  const n2s = fileURLToPath(new URL('../../../bin/n2s.mjs', import.meta.url));
  // docs/engines.md: Mesa's Vulkan wants a writable XDG_RUNTIME_DIR, which CI shells may lack.
  const xdg = mkdtempSync(join(tmpdir(), 'n2s-xdg-'));
  after(() => rmSync(xdg, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, [n2s, 'engines', '--json'], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: xdg } });
  assert.equal(r.status, 0, r.stderr);
  const { engines } = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { engines: EngineStatus[] };
  const key = (e: EngineStatus) => `${e.engine}/${e.name}`;
  assert.deepEqual(engines.map(key).sort(), [
    'onnx/coreml', 'onnx/cpu', 'onnx/cuda', 'onnx/dml', 'onnx/webgpu',
    'tfjs/cpu', 'tfjs/tensorflow', 'tfjs/tensorflow-gpu', 'tfjs/wasm',
  ]);
  const status = new Map(engines.map((e) => [key(e), e]));
  for (const k of ['onnx/cpu', 'tfjs/wasm', 'tfjs/cpu']) assert.equal(status.get(k)?.status, 'ok', k);
  for (const e of engines) if (e.status === 'unavailable') assert.ok(e.reason && e.reason.length > 3, `${key(e)} has no reason`);
  if (process.platform === 'linux') {
    assert.match(status.get('onnx/dml')?.reason ?? '', /not available on linux/);
    // CI installs Mesa's llvmpipe (scripts/setup.d/mesa-vulkan.sh), so WebGPU loads there.
    assert.equal(status.get('onnx/webgpu')?.status, 'ok', status.get('onnx/webgpu')?.reason);
  }
  const bad = spawnSync(process.execPath, [n2s, 'engines', '--fast'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^n2s engines: error: .*--fast/);
});
