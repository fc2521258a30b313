/**
 * `n2s export`: the standalone ONNX file and the bioimage.io package (folder and zip), checked by
 * Debian's python3-onnx checker, PyYAML, numpy, Pillow and an independent PyTorch evaluation of the
 * exported graph (fixtures/check_bioimageio.py): the test tensors reproduce, files match their
 * sha256, the preprocessing written in rdf.yaml is the one the test output was made with.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { decodeNpyFloat32, encodeNpyFloat32 } from '../../../main/engine/onnx/export/npy.ts';
import { createOnnxPredictorFromWeights } from '../../../main/engine/onnx/predictor.ts';
import { nhwcToNchw, PYTHON, python, relativeError, seededUniform } from './helpers.ts';
import { saveTinyModel, tinyModel } from './model-fixture.ts';

const CHECK = fileURLToPath(new URL('./fixtures/check_bioimageio.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'n2s-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const N2S = fileURLToPath(new URL('../../../bin/n2s.mjs', import.meta.url));

/** Runs the real CLI; returns stdout, or throws with the one-line error and exit code. */
function n2s(args: string[]): string {
  const r = spawnSync(process.execPath, [N2S, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw Object.assign(new Error(r.stderr.trim()), { code: r.status });
  return r.stdout;
}
const runExport = (args: string[]) => n2s(['export', ...args]);

/** A refusal: non-zero exit, one line on stderr matching `re`, no stack trace. */
function assertRefused(args: string[], re: RegExp): void {
  assert.throws(
    () => runExport(args),
    (e: Error & { code?: number }) => e.code === 2 && re.test(e.message) && e.message.split('\n').length === 1 && !/\bat /.test(e.message),
  );
}

function checkPackage(path: string): { rel_err: number; cover: number[]; shape: number[]; opset: number } {
  const r = spawnSync(PYTHON, [CHECK, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `check_bioimageio.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
}

test('NPY files written here are read by numpy with shape, dtype and values intact', () => {
  const data = seededUniform(2 * 3 * 5, 1, -2, 2);
  const file = join(dir, 'a.npy');
  const bytes = encodeNpyFloat32(data, [2, 3, 5]);
  writeFileSync(file, bytes);
  const out = python('import sys, json, numpy as np; a = np.load(sys.argv[1]); print(json.dumps([str(a.dtype), list(a.shape), a.ravel().tolist()]))', [file]);
  const [dtype, shape, values] = JSON.parse(out) as [string, number[], number[]];
  assert.equal(dtype, 'float32');
  assert.deepEqual(shape, [2, 3, 5]);
  assert.deepEqual(values, Array.from(data));
  const back = decodeNpyFloat32(bytes);
  assert.deepEqual(back.shape, [2, 3, 5]);
  assert.deepEqual(Array.from(back.data), Array.from(data));
  assert.equal((bytes.length - 2 * 3 * 5 * 4) % 64, 0, 'header padded to 64 bytes');
});

describe('n2s export', () => {
  const model = tinyModel('csbdeep', 1);
  const modelDir = join(dir, 'model');
  before(async () => {
    await saveTinyModel(modelDir, model);
  });

  test('--format onnx: checker passes, named dynamic I/O, metadata, same predictions as the model', async () => {
    const out = join(dir, 'model.onnx');
    const text = runExport(['--model', modelDir, '--format', 'onnx', '--out', out]);
    assert.match(text, /opset 13/);
    const info = JSON.parse(
      python(
        `import json, sys, onnx
m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)
print(json.dumps({"meta": {p.key: p.value for p in m.metadata_props}, "in": m.graph.input[0].name, "out": m.graph.output[0].name,
  "dims": [d.dim_param or d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]}))`,
        [out],
      ),
    ) as { meta: Record<string, string>; in: string; out: string; dims: (string | number)[] };
    assert.equal(info.in, 'input');
    assert.equal(info.out, 'output');
    assert.deepEqual(info.dims, ['batch', 2, 'height', 'width']);
    assert.equal(info.meta['noise2stack.channels'], 'plane_m1,plane_p1');
    assert.equal(JSON.parse(info.meta['noise2stack.normalisation']).kind, 'percentile');

    // The exported file on a non-square size must predict what the in-memory predictor predicts.
    const [n, h, w, c] = [1, 48, 80, 2];
    const x = seededUniform(n * h * w * c, 4);
    const s = await ort.InferenceSession.create(readFileSync(out));
    const y = (await s.run({ input: new ort.Tensor('float32', nhwcToNchw(x, n, h, w, c), [n, c, h, w]) })).output.data as Float32Array;
    await s.release();
    const p = await createOnnxPredictorFromWeights(model.spec, model.weights, { provider: 'cpu' });
    const ref = await p.predictBatch(x, n, h, w, c);
    p.dispose();
    assert.ok(relativeError(y, ref) < 1e-5);
  });

  test('--format bioimageio (folder): rdf.yaml parses and the test tensors reproduce in PyTorch', async () => {
    const out = join(dir, 'pkg');
    const text = runExport(['--model', modelDir, '--format', 'bioimageio', '--out', out, '--json', '--author', 'A. Tester', '--license', 'MIT']);
    const result = JSON.parse(text.trim()) as { files: string[]; container: string };
    assert.equal(result.container, 'folder');
    assert.deepEqual([...result.files].sort(), ['cover.png', 'documentation.md', 'model.onnx', 'rdf.yaml', 'test_input.npy', 'test_output.npy']);
    const r = checkPackage(out);
    assert.ok(r.rel_err < 1e-4, `test output reproduced to ${r.rel_err} relative`);
    assert.deepEqual(r.cover, [256, 128]);
    assert.deepEqual(r.shape, [1, 2, 128, 128]);
    const rdf = python('import sys, yaml, json; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', [join(out, 'rdf.yaml')]);
    const parsed = JSON.parse(rdf) as { license: string; authors: { name: string }[]; inputs: { preprocessing: { id: string; kwargs: Record<string, unknown> }[] }[] };
    assert.equal(parsed.license, 'MIT');
    assert.equal(parsed.authors[0].name, 'A. Tester');
    const scale = parsed.inputs[0].preprocessing.find((p) => p.id === 'scale_range');
    assert.deepEqual([scale?.kwargs.min_percentile, scale?.kwargs.max_percentile], [3, 99.8]);
  });

  test('--format bioimageio to .zip, Noise2Noise U-Net, k = 2, MRI normalisation, test tensors from --sample', async () => {
    const m = tinyModel('n2n', 2, 9);
    m.normalisation = { kind: 'mri', min: 0, max: 1 };
    const mdir = join(dir, 'model-n2n');
    await saveTinyModel(mdir, m);
    const out = join(dir, 'pkg-n2n.zip');
    // The test tensors are cut from a user's stack (--sample), written here by Debian's tifffile.
    const sample = join(dir, 'sample.tif');
    python(
      `import sys, numpy as np, tifffile
z, y, x = np.mgrid[0:5, 0:90, 0:70]
tifffile.imwrite(sys.argv[1], (300 + 100 * np.sin(x / 5 + z) * np.cos(y / 7)).astype(np.uint16), imagej=True, metadata={"axes": "ZYX"})`,
      [sample],
    );
    runExport(['--model', mdir, '--format', 'bioimageio', '--out', out, '--name', 'MRI denoiser (test)', '--sample', sample]);
    const r = checkPackage(out);
    assert.ok(r.rel_err < 1e-4, `test output reproduced to ${r.rel_err} relative`);
    // Planes 0, 1, 3, 4 around plane 2; the largest centre crop that is a multiple of 32.
    assert.deepEqual(r.shape, [1, 4, 64, 64]);
  });

  test('refuses clearly: existing output without --force, a bad name, a missing model, a wrong extension', async () => {
    const out = join(dir, 'pkg');
    assertRefused(['--model', modelDir, '--format', 'bioimageio', '--out', out], /already exists/);
    runExport(['--model', modelDir, '--format', 'bioimageio', '--out', out, '--force']);
    assertRefused(['--model', modelDir, '--format', 'bioimageio', '--out', join(dir, 'x'), '--name', 'bad/name!'], /name/);
    assertRefused(['--model', join(dir, 'nope'), '--format', 'onnx', '--out', join(dir, 'n.onnx')], /cannot load model/);
    assertRefused(['--model', modelDir, '--format', 'onnx', '--out', join(dir, 'n.bin')], /FILE\.onnx/);
    assertRefused(['--model', modelDir, '--format', 'tflite', '--out', join(dir, 'n.bin')], /format/);
  });
});
