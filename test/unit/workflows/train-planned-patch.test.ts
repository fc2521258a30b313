/**
 * The train workflow checks the patch the run will use: with no --patch, the budget's choice capped
 * by the planes (not the paper's 256 default), so small planes train with default flags; an explicit
 * --patch larger than the image is still refused in one line.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStack } from '../../../shared/stack.ts';
import { writeStack } from '../../../main/io/index.ts';
import { plannedPatch } from '../../../main/engine/budget.ts';

const BIN = join(import.meta.dirname, '../../../bin/n2s.mjs');
const dir = mkdtempSync(join(tmpdir(), 'n2s-planned-patch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('plannedPatch: explicit as set, the budget\'s choice capped by the planes, the default capped without a budget', () => {
  const base = { accelerator: false, height: 96, width: 120, divisor: 4 };
  assert.equal(plannedPatch({ ...base, budget: { seconds: 60, fixed: {} }, explicit: false, patch: 256 }), 96);
  assert.equal(plannedPatch({ ...base, height: 500, width: 600, budget: { seconds: 60, fixed: {} }, explicit: false, patch: 256 }), 128);
  assert.equal(plannedPatch({ ...base, budget: { seconds: 60, fixed: { patch: 256 } }, explicit: true, patch: 256 }), 256);
  assert.equal(plannedPatch({ ...base, budget: null, explicit: true, patch: 256 }), 256);
  assert.equal(plannedPatch({ ...base, budget: null, explicit: false, patch: 256 }), 96);
  // The N2N U-Net takes multiples of 32: 96×120 planes get 96.
  assert.equal(plannedPatch({ ...base, divisor: 32, budget: { seconds: 60, fixed: {} }, explicit: false, patch: 256 }), 96);
});

test('n2s train on 12×96×96 planes trains with no --patch; --patch 256 is refused in one line', async () => {
  const input = join(dir, 'small.tif');
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  await writeStack(input, makeStack(12, 96, 96, new Float32Array(12 * 96 * 96).map((_, i) => 100 + 50 * Math.sin(i / 97) + 10 * rnd()), { name: 'small.tif' }));

  const refused = spawnSync(process.execPath, [BIN, 'train', '--input', input, '--out', join(dir, 'refused'), '--patch', '256', '--time', '5s'], { encoding: 'utf8' });
  assert.equal(refused.status, 2, refused.stderr);
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, /^n2s train: error: --patch 256 is larger than the image \(96×96\); use --patch ≤ 96$/m);

  // Default flags but a short budget (and a narrow U-Net, to keep the test quick on a busy machine).
  const model = join(dir, 'model');
  const ok = spawnSync(process.execPath, [BIN, 'train', '--input', input, '--out', model, '--time', '5s', '--width-scale', '0.25'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  const saved = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')) as { training: { patch: number; batch: number } };
  assert.equal(saved.training.patch, 96, 'the budget\'s 128 capped by the 96² planes');
  assert.equal(saved.training.batch, 4);
});
