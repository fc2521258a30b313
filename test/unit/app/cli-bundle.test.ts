/**
 * The command line ships precompiled (issue 19): scripts/build.mjs --cli-only writes dist/cli, and
 * bin/n2s.mjs runs it when it matches the sources, else the sources through tsx. Checked in a
 * private copy of the project's layout (bin/ copied, sources linked, dist/ built there) so the
 * project's own dist/ is neither needed nor touched: the bundle answers --help, denoises a small
 * stack to the same bytes as the sources through tsx, reads OME-Zarr, and bin/n2s.mjs leaves a
 * stale bundle for tsx.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { tsImportsIn, variableImportsIn } from '../../helpers/bundle.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const home = `${root}.cache/cli-bundle-test-${process.pid}`;
const data = join(home, 'data');
// The way in is each call's choice, not inherited from whoever runs the tests.
const { N2S_CLI: _way, N2S_CLI_TRACE: _trace, ...inherited } = process.env;
const env = { ...inherited, N2S_CACHE_DIR: join(home, 'engine-cache') };

/**
 * Runs `n2s` through bin/n2s.mjs (N2S_CLI=tsx: the sources), or with way 'bundle' the built
 * dist/cli/n2s.js itself: other work may edit sources while this test runs, and bin/n2s.mjs would
 * then rightly prefer tsx.
 */
function n2s(args: string[], extraEnv: Record<string, string> = {}) {
  const entry = extraEnv.N2S_CLI === 'bundle' ? join(home, 'dist/cli/n2s.js') : join(home, 'bin/n2s.mjs');
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', env: { ...env, ...extraEnv }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const bin = (args: string[], extraEnv: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [join(home, 'bin/n2s.mjs'), ...args], { encoding: 'utf8', env: { ...env, ...extraEnv }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** The build's source stamp, refreshed to the sources as they are now (see n2s above). */
function freshStamp(): string {
  const stamp = JSON.parse(readFileSync(join(home, 'dist/cli/inputs.json'), 'utf8')) as { files: Record<string, [number, number, string]> };
  for (const f of Object.keys(stamp.files)) {
    const s = statSync(join(root, f));
    stamp.files[f] = [s.size, s.mtimeMs, createHash('sha1').update(readFileSync(join(root, f))).digest('hex')];
  }
  return JSON.stringify(stamp);
}
const ok = (r: ReturnType<typeof n2s>) => assert.equal(r.code, 0, r.stderr + r.stdout);

before(() => {
  mkdirSync(join(home, 'bin'), { recursive: true });
  mkdirSync(data, { recursive: true });
  copyFileSync(join(root, 'bin/n2s.mjs'), join(home, 'bin/n2s.mjs'));
  copyFileSync(join(root, 'package.json'), join(home, 'package.json'));
  for (const d of ['main', 'shared', 'scripts', 'assets', 'node_modules']) symlinkSync(join(root, d), join(home, d));
  const b = spawnSync(process.execPath, ['scripts/build.mjs', '--cli-only', '--out', join(home, 'dist')], { cwd: root, encoding: 'utf8' });
  assert.equal(b.status, 0, `scripts/build.mjs failed:\n${b.stdout}${b.stderr}`);
});

after(() => rmSync(home, { recursive: true, force: true }));

test('the CLI bundle answers --help and a command’s --help', () => {
  const r = n2s(['--help'], { N2S_CLI: 'bundle' });
  ok(r);
  assert.match(r.stdout, /^n2s — Noise2Stack Studio command line/);
  assert.match(r.stdout, /denoise/);
  const sub = n2s(['denoise', '--help'], { N2S_CLI: 'bundle' });
  ok(sub);
  assert.match(sub.stdout, /--model DIR/);
});

test('no chunk of dist/cli imports a .ts path or a module named by a variable', () => {
  const dir = join(home, 'dist/cli');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  assert.ok(files.includes('n2s.js') && files.includes('step-worker.js'), files.join(' '));
  const code = files.map((f) => [f, readFileSync(join(dir, f), 'utf8')] as const);
  assert.deepEqual(code.flatMap(([f, c]) => tsImportsIn(c).map((s) => `${f}: ${s}`)), []);
  assert.deepEqual(code.flatMap(([f, c]) => variableImportsIn(c).map((e) => `${f}: import(${e})`)), []);
  // The entry stays small: commands and engines are chunks loaded when a command needs them.
  const entry = readFileSync(join(dir, 'n2s.js'), 'utf8');
  assert.doesNotMatch(entry, /onnxruntime-node|@tensorflow/);
});

test('the bundle trains on ONNX Runtime, denoises to the same bytes as tsx, reads OME-Zarr and writes Slurm scripts', () => {
  // Data made through the sources (tsx), then the same commands both ways.
  ok(n2s(['synth', 'microscopy', '--out', data, '--depth', '3', '--height', '64', '--width', '64', '--seed', '4'], { N2S_CLI: 'tsx' }));
  // The model is trained through the bundle: its ONNX training engine runs dist/cli/step-worker.js.
  const model = join(data, 'model');
  const trained = n2s(
    ['train', '--input', join(data, 'low.tif'), '--out', model, '--width-scale', '0.125', '--epochs', '1', '--steps-per-epoch', '2', '--batch', '2', '--patch', '32', '--engine', 'onnx', '--seed', '1', '--json'],
    { N2S_CLI: 'bundle' },
  );
  ok(trained);
  assert.equal((JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as { engine?: string }).engine, 'onnx', trained.stdout);
  const outputs: Buffer[] = [];
  for (const way of ['bundle', 'tsx']) {
    const out = join(data, `denoised-${way}.tif`);
    const r = n2s(['denoise', '--model', model, '--input', join(data, 'low.tif'), '--output', out, '--engine', 'onnx', '--json'], { N2S_CLI: way, N2S_CLI_TRACE: '1' });
    ok(r);
    if (way === 'tsx') assert.match(r.stderr, /n2s: tsx \(N2S_CLI=tsx\)/);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { engine?: string };
    assert.equal(result.engine, 'onnx', r.stdout);
    outputs.push(readFileSync(out));
  }
  assert.ok(outputs[0].length > 3 * 64 * 64 * 4);
  assert.ok(outputs[0].equals(outputs[1]), 'bundle and tsx outputs differ');

  const zarr = join(data, 'low.ome.zarr');
  ok(n2s(['convert', join(data, 'low.tif'), zarr], { N2S_CLI: 'tsx' }));
  const infos = ['bundle', 'tsx'].map((way) => {
    const r = n2s(['info', zarr, '--json'], { N2S_CLI: way });
    ok(r);
    return JSON.parse(r.stdout) as { depth: number; height: number; width: number };
  });
  assert.deepEqual([infos[0].depth, infos[0].height, infos[0].width], [3, 64, 64]);
  assert.deepEqual(infos[0], infos[1]);
  // A Slurm script written by the bundle runs n2s through this project's bin/n2s.mjs, as one
  // written from the sources does (paths relative to the module differ between the two).
  for (const way of ['bundle', 'tsx']) {
    const out = join(data, `slurm-${way}.zarr`);
    ok(n2s(['slurm', '--model', model, '--input', zarr, '--output', out, '--shards', '2'], { N2S_CLI: way }));
    // (The sources are linked into this test's copy, so from them bin/ is the project's own.)
    const bin = way === 'bundle' ? join(home, 'bin/n2s.mjs') : join(root, 'bin/n2s.mjs');
    assert.match(readFileSync(`${out}.sbatch`, 'utf8'), new RegExp(`${process.execPath}'? '?${bin}'? denoise`));
  }
});

test('bin/n2s.mjs runs a bundle whose sources are unchanged (whatever their file times), leaves one whose sources changed for tsx; N2S_CLI=bundle then refuses', () => {
  const stampFile = join(home, 'dist/cli/inputs.json');
  const original = freshStamp();
  writeFileSync(stampFile, original);
  const fresh = bin(['--help'], { N2S_CLI_TRACE: '1' });
  ok(fresh);
  assert.match(fresh.stderr, /n2s: dist\/cli bundle/);
  const stamp = JSON.parse(original) as { files: Record<string, [number, number, string]> };
  assert.ok(Object.keys(stamp.files).includes('main/cli/index.ts'), 'the stamp lists the sources');
  assert.ok(!Object.keys(stamp.files).some((f) => f.startsWith('node_modules/')));
  try {
    // Every time differs but no content (a fresh checkout, an unpacked npm package): the bundle runs.
    const touched = structuredClone(stamp);
    for (const entry of Object.values(touched.files)) entry[1] -= 1000;
    writeFileSync(stampFile, JSON.stringify(touched));
    const same = bin(['--help'], { N2S_CLI_TRACE: '1' });
    ok(same);
    assert.match(same.stderr, /n2s: dist\/cli bundle/);
    // One source's contents differ from what was bundled: tsx runs the sources instead.
    stamp.files['main/cli/index.ts'][1] -= 1000;
    stamp.files['main/cli/index.ts'][2] = '0'.repeat(40);
    writeFileSync(stampFile, JSON.stringify(stamp));
    const r = bin(['--help'], { N2S_CLI_TRACE: '1' });
    ok(r);
    assert.match(r.stderr, /n2s: tsx \(main\/cli\/index\.ts changed since dist\/cli was built\)/);
    assert.match(r.stdout, /^n2s — Noise2Stack Studio command line/);
    const forced = bin(['--help'], { N2S_CLI: 'bundle' });
    assert.equal(forced.code, 70);
    assert.match(forced.stderr, /N2S_CLI=bundle, but main\/cli\/index\.ts changed/);
  } finally {
    writeFileSync(stampFile, original);
  }
});
