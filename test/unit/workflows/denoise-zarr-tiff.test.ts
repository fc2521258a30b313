/**
 * Issue 16, in n2s denoise:
 * - the output's format follows its extension: an OME-Zarr input with `--output x.tif` writes a
 *   TIFF (before: a Zarr folder named x.tif, or a refusal) with the values of the .zarr → .zarr
 *   output of the same model; `--shard` into a TIFF stays refused in one line;
 * - the input's size and an estimated time are said before the work (stderr, and the typed
 *   `workload` event for --json and the app), before the first plane/chunk event.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeZarr, readZarr } from '../../../main/io/zarr.ts';
import { readStack, writeStack } from '../../../main/io/index.ts';
import { denoise, denoiseStacks } from '../../../main/workflows/denoise.ts';
import type { WorkflowEvent } from '../../../shared/workflow-events.ts';
import { runCli } from '../io/cli-harness.ts';
import { tmp, tinyModel, noisyVolume } from '../shard/fixtures.ts';

let dir = '';
let model = '';
let vol = '';
before(async () => {
  dir = tmp('zarr-tiff');
  model = await tinyModel(join(dir, 'model'));
  vol = join(dir, 'vol.zarr');
  await writeZarr(vol, noisyVolume(5, 24, 20, 3), { chunks: [2, 24, 20] });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('OME-Zarr in, --output x.tif: a TIFF with the values of the .zarr output; --shard into a TIFF refused in one line', async () => {
  const zOut = join(dir, 'ref.zarr');
  const tOut = join(dir, 'out.tif');
  const a = await runCli(['denoise', '--model', model, '--input', vol, '--output', zOut, '--engine', 'onnx']);
  assert.equal(a.code, 0, a.stderr);
  const b = await runCli(['denoise', '--model', model, '--input', vol, '--output', tOut, '--engine', 'onnx']);
  assert.equal(b.code, 0, b.stderr);
  assert.ok(statSync(tOut).isFile(), 'x.tif is a file, not a Zarr folder');
  const ref = await readZarr(zOut);
  const got = await readStack(tOut);
  assert.deepEqual([got.depth, got.height, got.width], [5, 24, 20]);
  assert.ok(ref.data.some((v) => v !== 0));
  let maxDiff = 0;
  for (let i = 0; i < ref.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref.data[i] - got.data[i]));
  assert.equal(maxDiff, 0, 'the TIFF holds exactly the values of the .zarr output');
  // An independent reader: tifffile opens it as a TIFF of 5 planes with the same values.
  const py = execFileSync(
    '/usr/bin/python3',
    ['-c', 'import sys, tifffile; t = tifffile.TiffFile(sys.argv[1]); a = t.asarray(); print(t.is_imagej, a.dtype, a.shape, repr(float(a.astype("float64").sum())))', tOut],
    { encoding: 'utf8' },
  ).trim();
  const [isImagej, dtype, ...rest] = py.split(' ');
  assert.equal(isImagej, 'True', py);
  assert.equal(dtype, 'float32', py);
  assert.match(rest.join(' '), /^\(5, 24, 20\) /, py);
  const sum = Number(rest[rest.length - 1]);
  const ours = got.data.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(sum - ours) <= 1e-6 * Math.max(1, Math.abs(ours)) + 1e-3, `${sum} vs ${ours}`);

  const refused = await runCli(['denoise', '--model', model, '--input', vol, '--output', join(dir, 'shard.tif'), '--shard', '0/2', '--engine', 'onnx']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /--shard .*\.zarr/);
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.equal(existsSync(join(dir, 'shard.tif')), false);
});

test('the size and an estimate come before the first plane: workflow events, the CLI line and its --json event', async () => {
  const tif = join(dir, 'in.tif');
  await writeStack(tif, noisyVolume(4, 24, 20, 4, 'in.tif'), { dtype: 'uint16' });
  const events: WorkflowEvent[] = [];
  await denoise({ modelDir: model, input: tif, output: join(dir, 'ev.tif'), engine: 'onnx' }, { onEvent: (e) => events.push(e) });
  const w = events.findIndex((e) => e.type === 'workload');
  const p = events.findIndex((e) => e.type === 'plane');
  assert.ok(w >= 0 && p > w, `workload event before the first plane: ${events.map((e) => e.type).join(',')}`);
  const ev = events[w] as Extract<WorkflowEvent, { type: 'workload' }>;
  assert.deepEqual([ev.planes, ev.height, ev.width, ev.dtype, ev.bytes, ev.total], [4, 24, 20, 'uint16', 4 * 24 * 20 * 2, 4]);
  assert.ok(ev.eta > 0 && Number.isFinite(ev.eta) && ev.secondsPerPlane > 0);

  // OME-Zarr in place: before the first chunk; the app's in-memory door: before the first plane.
  const zev: WorkflowEvent[] = [];
  await denoise({ modelDir: model, input: vol, output: join(dir, 'ev.zarr'), engine: 'onnx' }, { onEvent: (e) => zev.push(e) });
  const zw = zev.findIndex((e) => e.type === 'workload');
  assert.ok(zw >= 0 && zev.findIndex((e) => e.type === 'chunk') > zw, zev.map((e) => e.type).join(','));
  const sev: WorkflowEvent[] = [];
  await denoiseStacks({ modelDir: model, engine: 'onnx' }, { stack: noisyVolume(3, 24, 20, 5, 's'), copy: noisyVolume(3, 24, 20, 6, 'c') }, { onEvent: (e) => sev.push(e) });
  const sw = sev.find((e) => e.type === 'workload');
  assert.equal(sw?.type === 'workload' && sw.total, 6, 'both copies count');
  assert.ok(sev.findIndex((e) => e.type === 'workload') < sev.findIndex((e) => e.type === 'plane'));

  const text = await runCli(['denoise', '--model', model, '--input', tif, '--output', join(dir, 'cli.tif'), '--engine', 'onnx']);
  assert.equal(text.code, 0, text.stderr);
  const line = text.stderr.split(/[\r\n]/).findIndex((l) => /^input: 4 planes of 20×24 uint16 \(\d+ kB\); (about .+|under 1 s) to denoise 4 planes/.test(l));
  const plane = text.stderr.split(/[\r\n]/).findIndex((l) => /plane 1\/4/.test(l));
  assert.ok(line >= 0 && plane > line, text.stderr);

  const json = await runCli(['denoise', '--model', model, '--input', tif, '--output', join(dir, 'json.tif'), '--engine', 'onnx', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const objs = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; bytes?: number });
  const jw = objs.findIndex((o) => o.type === 'workload');
  assert.ok(jw >= 0 && objs.findIndex((o) => o.type === 'plane') > jw, json.stdout);
  assert.equal(objs[jw].bytes, 4 * 24 * 20 * 2);
  assert.match(json.stderr, /^input: 4 planes/m);
});

test('an OME-Zarr hyperstack in, --output x.tif: the hyperstack TIFF writer, the values of the .zarr output', async () => {
  const { writeHyperstack, readHyperstack } = await import('../../../main/io/hyperstack.ts');
  const { blobHyperstack } = await import('../hyperstack/helpers.ts');
  const h = blobHyperstack({ seed: 7, times: 1, channels: 2, depth: 4, size: 24, sigma: 0.1 }).noisy;
  const hz = join(dir, 'hyper.zarr');
  await writeHyperstack(hz, h, {});
  const zOut = join(dir, 'hyper-out.zarr');
  const tOut = join(dir, 'hyper-out.tif');
  const a = await runCli(['denoise', '--model', model, '--input', hz, '--output', zOut, '--engine', 'onnx', '--no-tta']);
  assert.equal(a.code, 0, a.stderr);
  const b = await runCli(['denoise', '--model', model, '--input', hz, '--output', tOut, '--engine', 'onnx', '--no-tta']);
  assert.equal(b.code, 0, b.stderr);
  assert.ok(statSync(tOut).isFile());
  const ref = await readHyperstack(zOut);
  const got = await readHyperstack(tOut);
  assert.deepEqual([got.meta.channels, got.meta.depth, got.meta.height, got.meta.width], [2, 4, 24, 24]);
  assert.deepEqual([...got.data], [...ref.data], 'the TIFF holds the values of the .zarr output');
  const py = execFileSync('/usr/bin/python3', ['-c', 'import sys, tifffile; t = tifffile.TiffFile(sys.argv[1]); s = t.series[0]; print(t.is_imagej, s.axes, s.shape)', tOut], { encoding: 'utf8' }).trim();
  assert.match(py, /^True ZCYX \(4, 2, 24, 24\)$/, py);
});
