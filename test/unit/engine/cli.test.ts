import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStack } from '../../../shared/stack.ts';
import { writeStack, readStack } from '../../../main/io/index.ts';
import { blobStack } from './helpers.ts';

const BIN = join(import.meta.dirname, '../../../bin/n2s.mjs');
let dir = '';

function n2s(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'n2s-cli-'));
  const s = blobStack(2, 6, 40, 44, 0.15);
  await writeStack(join(dir, 'noisy.tif'), makeStack(6, 40, 44, s.noisy, { name: 'noisy.tif' }));
  await writeStack(join(dir, 'two.tif'), makeStack(2, 40, 44, s.noisy.slice(0, 2 * 40 * 44), { name: 'two.tif' }));
  await writeFile(join(dir, 'broken.tif'), 'this is not a TIFF file');
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cases: [string, (d: string) => string[], RegExp][] = [
  ['missing file', (d) => ['--input', join(d, 'nope.tif'), '--out', join(d, 'm')], /nope\.tif: no such file/],
  ['unreadable file', (d) => ['--input', join(d, 'broken.tif'), '--out', join(d, 'm')], /broken\.tif: not a readable TIFF/],
  ['too few planes', (d) => ['--input', join(d, 'two.tif'), '--out', join(d, 'm'), '--patch', '32'], /two\.tif has 2 planes; self-supervised training with K=1 needs at least 3/],
  ['patch larger than the image', (d) => ['--input', join(d, 'noisy.tif'), '--out', join(d, 'm'), '--patch', '64'], /--patch 64 is larger than the image \(40×44\)/],
  ['K < 0', (d) => ['--input', join(d, 'noisy.tif'), '--out', join(d, 'm'), '--neighbors', '-1'], /--neighbors: K must be ≥ 0/],
];

for (const [name, args, message] of cases) {
  test(`n2s train, ${name}: exit code 2 and one clear line`, async () => {
    const r = await n2s(['train', ...args(dir)]);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^n2s train: error: /);
    assert.match(lines[0], message);
  });
}

test('n2s train then n2s denoise --json end to end (tiny network)', async () => {
  const model = join(dir, 'model');
  const t = await n2s(['train', '--input', join(dir, 'noisy.tif'), '--out', model, '--width-scale', '0.125', '--epochs', '2', '--steps-per-epoch', '3', '--batch', '2', '--patch', '16', '--backend', 'wasm', '--json']);
  assert.equal(t.code, 0, t.stderr);
  const events = t.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(events.filter((e) => e.type === 'epoch').length, 2);
  assert.equal(events.filter((e) => e.type === 'step').length, 6);
  const res = events.at(-1) as Record<string, unknown>;
  assert.equal(res.type, 'result');
  assert.equal(res.backend, 'wasm');
  // The verdict after training (docs/verdict.md) is in the result; a 6-plane stack is warned about.
  const verdict = res.verdict as { sentence: string; warnings: string[]; level: string };
  assert.ok(['better', 'same', 'worse'].includes(verdict.level), JSON.stringify(verdict));
  assert.match(verdict.warnings.join(' '), /only 6 planes/);
  assert.match(t.stderr, /tfjs backend: wasm/);

  const out = join(dir, 'out.tif');
  const d = await n2s(['denoise', '--model', model, '--input', join(dir, 'noisy.tif'), '--output', out, '--engine', 'tfjs', '--backend', 'wasm', '--json']);
  assert.equal(d.code, 0, d.stderr);
  const last = JSON.parse(d.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
  assert.equal(last.type, 'result');
  assert.equal(last.engine, 'tfjs');
  assert.ok((last.planes_per_second as number) > 0 && (last.seconds as number) >= 0);
  const written = await readStack(out);
  assert.deepEqual([written.depth, written.height, written.width], [6, 40, 44]);
  assert.ok(written.data.every(Number.isFinite));

  const again = await n2s(['denoise', '--model', model, '--input', join(dir, 'noisy.tif'), '--output', join(dir, 'noisy.tif')]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /refusing to overwrite/);
});
