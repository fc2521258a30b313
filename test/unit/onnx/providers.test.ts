/**
 * Execution providers: a provider that cannot load falls back to the CPU provider with a message
 * (never a crash), and the WebGPU provider — on Mesa's software Vulkan driver (llvmpipe, installed
 * by scripts/setup.d/mesa-vulkan.sh) — computes what the CPU provider computes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { OnnxEngineReport } from '../../../main/engine/onnx/predictor.ts';
import { providerAvailability, providerOrder } from '../../../main/engine/onnx/providers.ts';

const CHILD = fileURLToPath(new URL('./fixtures/provider-run.ts', import.meta.url));
const xdg = mkdtempSync(join(tmpdir(), 'n2s-xdg-'));
after(() => rmSync(xdg, { recursive: true, force: true }));

interface ChildResult {
  report: OnnxEngineReport;
  logs: string[];
  relErr: number;
  seconds: number;
}

function runChild(provider: string, env: Record<string, string> = {}): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, provider], {
    encoding: 'utf8',
    env: { ...process.env, XDG_RUNTIME_DIR: xdg, ...env },
  });
  assert.equal(r.status, 0, `child exited ${r.status}: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ChildResult;
}

test('provider order: a requested provider is tried first, the CPU provider always last', () => {
  assert.deepEqual(providerOrder('cpu'), ['cpu']);
  assert.deepEqual(providerOrder('webgpu'), ['webgpu', 'cpu']);
  const auto = providerOrder('auto');
  assert.equal(auto.at(-1), 'cpu');
  assert.ok(auto.includes('webgpu') && auto.includes('dml') && auto.includes('cuda') && auto.includes('coreml'));
  const cpu = providerAvailability().find((a) => a.provider === 'cpu');
  assert.equal(cpu?.available, true);
});

test('a provider this platform lacks (DirectML off Windows / CUDA not installed) falls back with a message', { skip: process.platform === 'win32' }, () => {
  const missing = process.platform === 'linux' ? 'dml' : 'cuda';
  const r = runChild(missing);
  assert.equal(r.report.provider, 'cpu');
  assert.equal(r.relErr, 0);
  assert.equal(r.logs.length, 1);
  assert.match(r.logs[0], new RegExp(`provider ${missing} did not load, falling back to cpu`));
  const tried = r.report.attempts.find((a) => a.provider === missing);
  assert.equal(tried?.ok, false);
  assert.ok(tried?.reason && tried.reason.length > 0);
});

test('WebGPU without any Vulkan driver falls back to the CPU provider with the reason', () => {
  const r = runChild('webgpu', { VK_ICD_FILENAMES: join(xdg, 'no-such-icd.json') });
  assert.equal(r.report.provider, 'cpu');
  assert.equal(r.relErr, 0);
  assert.match(r.logs.join('\n'), /provider webgpu did not load, falling back to cpu .*adapter/i);
  assert.equal(r.report.attempts[0].provider, 'webgpu');
  assert.equal(r.report.attempts[0].ok, false);
});

// No skip when the adapter is missing: CI installs Mesa's llvmpipe (scripts/setup.d/mesa-vulkan.sh),
// so a missing adapter is a broken setup and must fail here.
test('WebGPU provider (Mesa llvmpipe) gives the CPU provider result to 1e-4 relative', () => {
  const r = runChild('webgpu');
  assert.equal(r.report.provider, 'webgpu', `WebGPU did not load: ${r.report.note}`);
  assert.deepEqual(r.logs, []);
  assert.ok(r.relErr < 1e-4, `relative error ${r.relErr}`);
});
