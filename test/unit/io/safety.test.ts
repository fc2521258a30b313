/**
 * Issue 16, "nothing lost": writes can only add. An output never replaces a folder n2s did not
 * write, never is, holds or lies inside an input; OME-Zarr volumes appear under their name only
 * when complete; the no-overwrite promise holds at the moment of publishing; temporary files go
 * away on SIGINT/SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeStack, type Stack } from '../../../shared/stack.ts';
import { probeStack, readStack, writeStack, checkOutputPath } from '../../../main/io/index.ts';
import { createZarr, writeZarrPlanes } from '../../../main/io/zarr.ts';
import { PYTHON, pythonHas, tempDir } from './helpers.ts';
import { runCli } from './cli-harness.ts';
import { tinyModel } from '../shard/fixtures.ts';

const N2S = fileURLToPath(new URL('../../../bin/n2s.mjs', import.meta.url));

function ramp(depth: number, height: number, width: number, name = 'raw'): Stack {
  const s = makeStack(depth, height, width, undefined, { name, dtype: 'uint16', voxelSize: { z: 2, y: 0.5, x: 0.5, unit: 'micron' } });
  for (let i = 0; i < s.data.length; i++) s.data[i] = (i * 7919) % 60000;
  return s;
}

/** Every file under dir (relative paths), sorted: what a user would find there. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

test('a folder holding the input survives convert --format zarr --overwrite (a clear refusal)', async () => {
  const { dir, cleanup } = tempDir('safe-proj');
  try {
    const proj = join(dir, 'proj');
    mkdirSync(proj);
    await writeStack(join(proj, 'raw.tif'), ramp(3, 8, 9));
    writeFileSync(join(proj, 'analysis.csv'), 'cell,area\n1,42\n');
    const before = tree(proj);
    const r = await runCli(['convert', join(proj, 'raw.tif'), proj, '--format', 'zarr', '--overwrite']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /^n2s convert: error: proj: contains the input raw\.tif; refusing/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.deepEqual(tree(proj), before);
    assert.equal(readFileSync(join(proj, 'analysis.csv'), 'utf8'), 'cell,area\n1,42\n');
    // Nor may an output lie inside an input folder (an OME-Zarr input is a folder).
    await writeStack(join(dir, 'in.zarr'), ramp(3, 8, 9));
    const inside = await runCli(['convert', join(dir, 'in.zarr'), join(dir, 'in.zarr', 'x.tif')]);
    assert.equal(inside.code, 2);
    assert.match(inside.stderr, /x\.tif: lies inside the input folder in\.zarr/);
    assert.equal(existsSync(join(dir, 'in.zarr', 'x.tif')), false);
  } finally {
    cleanup();
  }
});

test('a user folder is never replaced, even with --overwrite; our own volume and files are', async () => {
  const { dir, cleanup } = tempDir('safe-user');
  try {
    const input = join(dir, 'in.tif');
    await writeStack(input, ramp(3, 8, 9));
    const user = join(dir, 'userdir');
    mkdirSync(user);
    writeFileSync(join(user, 'notes.txt'), 'my notes');
    const r = await runCli(['convert', input, user, '--format', 'zarr', '--overwrite']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /userdir: is an existing folder that n2s did not write; refusing to replace it, even with --overwrite/);
    assert.deepEqual(tree(user), ['notes.txt']);
    // A folder that looks like an OME-Zarr but was not written by n2s is no different.
    const foreign = join(dir, 'foreign.zarr');
    mkdirSync(foreign);
    writeFileSync(join(foreign, '.zattrs'), '{}');
    writeFileSync(join(foreign, 'keep.txt'), 'x');
    assert.match((await runCli(['convert', input, foreign, '--overwrite'])).stderr, /foreign\.zarr: is an existing folder that n2s did not write/);
    assert.deepEqual(tree(foreign), ['.zattrs', 'keep.txt']);
    // Our own volume: refused without --overwrite, replaced with it.
    const ours = join(dir, 'ours.zarr');
    assert.equal((await runCli(['convert', input, ours])).code, 0);
    const again = await runCli(['convert', input, ours]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /ours\.zarr: already exists; refusing to replace it \(pass --overwrite/);
    const other = join(dir, 'other.tif');
    await writeStack(other, ramp(2, 8, 9, 'other'));
    assert.equal((await runCli(['convert', other, ours, '--overwrite'])).code, 0);
    assert.equal((await probeStack(ours)).depth, 2);
    // Nothing hidden is left next to it (temporary or replaced volumes).
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), []);
  } finally {
    cleanup();
  }
});

test('denoise --input p2.zarr/raw.tif --output p2.zarr --overwrite is refused, p2.zarr untouched', async () => {
  const { dir, cleanup } = tempDir('safe-p2');
  try {
    const p2 = join(dir, 'p2.zarr');
    mkdirSync(p2);
    await writeStack(join(p2, 'raw.tif'), ramp(4, 16, 16));
    writeFileSync(join(p2, 'analysis.csv'), 'x');
    const before = tree(p2);
    const model = await tinyModel(join(dir, 'model'));
    const r = await runCli(['denoise', '--model', model, '--input', join(p2, 'raw.tif'), '--output', p2, '--overwrite', '--engine', 'onnx']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /p2\.zarr: contains the input raw\.tif; refusing/);
    assert.deepEqual(tree(p2), before);
    // Whatever the denoise command checks first, the writer refuses: the stack layer is the last guard.
    await assert.rejects(writeStack(p2, await readStack(join(p2, 'raw.tif')), { overwrite: true, format: 'zarr' }), /p2\.zarr: contains the input raw\.tif/);
    assert.deepEqual(tree(p2), before);
  } finally {
    cleanup();
  }
});

test('checkOutputPath: the rules in one call (what workflows run before any work)', async () => {
  const { dir, cleanup } = tempDir('safe-check');
  try {
    const input = join(dir, 'in.tif');
    await writeStack(input, ramp(2, 4, 4));
    assert.deepEqual(await checkOutputPath(join(dir, 'new.tif'), { inputs: [input] }), { path: join(dir, 'new.tif'), existing: 'none' });
    await assert.rejects(checkOutputPath(input, { inputs: [input], overwrite: true }), /in\.tif: is the input file/);
    await assert.rejects(checkOutputPath(dir, { inputs: [input], overwrite: true }), /contains the input in\.tif/);
    await assert.rejects(checkOutputPath(join(dir, 'nope', 'x.tif'), {}), /output folder .* does not exist/);
    assert.equal((await checkOutputPath(input, { overwrite: true })).existing, 'file');
    await assert.rejects(checkOutputPath(input, {}), /already exists; refusing/);
    if (spawnSync('mkfifo', [join(dir, 'fifo.tif')]).status === 0) {
      await assert.rejects(checkOutputPath(join(dir, 'fifo.tif'), { overwrite: true }), /is a named pipe \(FIFO\), not a file/);
    }
    // An input reached through a symbolic link is still the input.
    spawnSync('ln', ['-s', dir, join(dir, 'link')]);
    await assert.rejects(checkOutputPath(join(dir, 'link', 'in.tif'), { inputs: [input], overwrite: true }), /is the input file/);
  } finally {
    cleanup();
  }
});

test('two writers racing for the same new name: one publishes, the other is refused (no silent replace)', async () => {
  const { dir, cleanup } = tempDir('safe-race');
  try {
    for (const name of ['race.tif', 'race.nii', 'race.zarr']) {
      const out = join(dir, name);
      const a = ramp(3, 32, 32, 'a');
      const b = ramp(3, 32, 32, 'b');
      b.data.fill(5);
      const results = await Promise.allSettled([writeStack(out, a), writeStack(out, b)]);
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      assert.equal(ok, 1, `${name}: ${results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join(' | ')}`);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.match(String(lost.reason), /appeared while it was being written|already exists/);
      const back = await readStack(out);
      const winner = results[0].status === 'fulfilled' ? a : b;
      assert.deepEqual(back.data, winner.data, `${name}: the file holds exactly the stack that was reported written`);
    }
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no temporary files left');
  } finally {
    cleanup();
  }
});

test('an OME-Zarr being written (or interrupted) is refused by readers; complete shards are accepted', async () => {
  const { dir, cleanup } = tempDir('safe-incomplete');
  try {
    const out = join(dir, 'inplace.zarr');
    const layout = await createZarr(out, { depth: 4, height: 8, width: 8 }, { z: 1, y: 1, x: 1, unit: 'pixel' }, { chunks: [2, 8, 8] });
    await writeZarrPlanes(layout, 0, new Float32Array(2 * 64).fill(3));
    await assert.rejects(probeStack(out), /inplace\.zarr: is incomplete: an n2s write into it was interrupted/);
    const r = await runCli(['info', out]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    // A sharded denoise writes in place with a manifest and a done-marker per chunk range.
    mkdirSync(join(out, '.n2s', 'done'), { recursive: true });
    writeFileSync(join(out, '.n2s', 'manifest.json'), JSON.stringify({ kind: 'zarr', input: 'x', model: 'm', depth: 4, chunkDepth: 2, ranges: [{ z0: 0, z1: 2 }, { z0: 2, z1: 4 }] }));
    writeFileSync(join(out, '.n2s', 'done', 'z0000000-0000002.done'), '{}');
    await assert.rejects(probeStack(out), /is incomplete: 1 of 2 chunk ranges of a sharded n2s denoise are written/);
    await writeZarrPlanes(layout, 2, new Float32Array(2 * 64).fill(4));
    writeFileSync(join(out, '.n2s', 'done', 'z0000002-0000004.done'), '{}');
    const back = await readStack(out);
    assert.deepEqual([...back.data.subarray(0, 1)], [3]);
    assert.deepEqual([...back.data.subarray(255)], [4]);
    // createZarr never writes into a user's folder.
    const user = join(dir, 'user');
    mkdirSync(user);
    writeFileSync(join(user, 'notes.txt'), 'x');
    await assert.rejects(createZarr(user, { depth: 1, height: 2, width: 2 }, { z: 1, y: 1, x: 1, unit: 'pixel' }), /user: is an existing folder that n2s did not write/);
    assert.deepEqual(tree(user), ['notes.txt']);
    // Nor a volume named like a file (an OME-Zarr input with --output x.tif).
    await assert.rejects(createZarr(join(dir, 'x.tif'), { depth: 1, height: 2, width: 2 }, { z: 1, y: 1, x: 1, unit: 'pixel' }), /x\.tif: is named like a file/);
    assert.equal(existsSync(join(dir, 'x.tif')), false);
  } finally {
    cleanup();
  }
});

/** A TIFF big enough that converting it takes a moment (planes of 512² uint16). */
async function bigInput(path: string, depth: number): Promise<void> {
  await writeStack(path, ramp(depth, 512, 512, 'big'));
}

function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  return new Promise((res) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) res(true);
      else if (Date.now() - t0 > ms) res(false);
      else setTimeout(tick, 5);
    };
    tick();
  });
}

test('kill -9 during an OME-Zarr convert leaves nothing info accepts as complete; a rerun completes it', async () => {
  const { dir, cleanup } = tempDir('safe-kill');
  try {
    const input = join(dir, 'big.tif');
    await bigInput(input, 12);
    const out = join(dir, 'big.zarr');
    // The process kills itself with SIGKILL after 5 of 12 z-chunks (no clean-up can run).
    const killed = spawnSync(process.execPath, [N2S, 'convert', input, out], { env: { ...process.env, N2S_FAULT_ZARR_AFTER_CHUNKS: '5' }, encoding: 'utf8' });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    assert.equal(existsSync(out), false, 'nothing under the final name');
    const left = readdirSync(dir).find((n) => n.startsWith('.big.zarr.') && n.endsWith('.n2s-partial'));
    assert.ok(left, 'the interrupted write is a hidden temporary folder');
    assert.equal(readdirSync(join(dir, left, '0')).filter((n) => !n.startsWith('.')).length, 5, 'killed after 5 of 12 planes');
    const info = await runCli(['info', join(dir, left)]);
    assert.equal(info.code, 2);
    assert.match(info.stderr, /is incomplete: an n2s write into it was interrupted/);
    assert.equal(info.stderr.trim().split('\n').length, 1);
    assert.equal((await runCli(['convert', join(dir, left), join(dir, 'copy.tif')])).code, 2);
    assert.equal(existsSync(join(dir, 'copy.tif')), false);
    // The rerun writes the whole volume and removes the dead writer's leftovers.
    const again = await runCli(['convert', input, out]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((await readStack(out)).data, (await readStack(input)).data);
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), []);
  } finally {
    cleanup();
  }
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} during a convert removes the temporary file and ends the process`, async () => {
    const { dir, cleanup } = tempDir(`safe-${signal}`);
    try {
      const input = join(dir, 'big.tif');
      await bigInput(input, 80);
      const child = spawn(process.execPath, [N2S, 'convert', input, join(dir, 'out.ome.tif'), '--dtype', 'float32'], { stdio: 'ignore' });
      const tmp = () => readdirSync(dir).find((n) => n.startsWith('.out.ome.tif.') && n.endsWith('.tmp'));
      const started = await waitFor(() => tmp() !== undefined, 60_000);
      child.kill(signal);
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      assert.ok(started, 'the convert had started writing');
      assert.equal(code, signal === 'SIGINT' ? 130 : 143);
      assert.deepEqual(readdirSync(dir).filter((n) => n !== 'big.tif'), [], 'no temporary or partial output left');
    } finally {
      cleanup();
    }
  });
}

test('a volume written by python3-zarr is replaced by no n2s write, even with --overwrite', { skip: !pythonHas('zarr', 'numpy') && 'needs python3-zarr' }, async () => {
  const { dir, cleanup } = tempDir('safe-pyzarr');
  try {
    const vol = join(dir, 'theirs.zarr');
    const r = spawnSync(PYTHON, ['-c', 'import sys, zarr, numpy as np; zarr.save_array(sys.argv[1], np.ones((2,4,4), "u2"))', vol], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const before = tree(vol);
    const input = join(dir, 'in.tif');
    await writeStack(input, ramp(2, 4, 4));
    const c = await runCli(['convert', input, vol, '--overwrite']);
    assert.equal(c.code, 2);
    assert.deepEqual(tree(vol), before);
  } finally {
    cleanup();
  }
});

test('the temporary file of a writer killed with SIGKILL is removed by the next write of that output', async () => {
  const { dir, cleanup } = tempDir('safe-stale');
  try {
    const out = join(dir, 'out.tif');
    // A process id that is certainly gone: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const stale = join(dir, `.out.tif.${dead}.0badc0de.tmp`);
    writeFileSync(stale, Buffer.alloc(1000));
    const mine = join(dir, `.other.tif.${dead}.0badc0de.tmp`);
    writeFileSync(mine, 'not ours to judge: another output');
    await writeStack(out, ramp(2, 4, 4));
    assert.equal(existsSync(stale), false, 'the dead writer’s temporary file is gone');
    assert.equal(existsSync(mine), true, 'temporary files of other outputs are left alone');
  } finally {
    cleanup();
  }
});

test('a bioimage.io package folder replaces (--force) only a package n2s wrote, never a user folder', async () => {
  const { writePackage } = await import('../../../main/engine/onnx/export/write-package.ts');
  const { dir, cleanup } = tempDir('safe-pkg');
  try {
    const files = new Map([['rdf.yaml', new TextEncoder().encode('name: x\n')]]);
    const user = join(dir, 'results');
    mkdirSync(user);
    writeFileSync(join(user, 'thesis.docx'), 'years of work');
    await assert.rejects(writePackage(files, user, true), /is a folder n2s did not write; refusing to replace it, even with --force/);
    assert.deepEqual(tree(user), ['thesis.docx']);
    const pkg = join(dir, 'pkg');
    assert.equal(await writePackage(files, pkg), 'folder');
    assert.equal(await writePackage(new Map([['rdf.yaml', new TextEncoder().encode('name: y\n')]]), pkg, true), 'folder');
    assert.equal(readFileSync(join(pkg, 'rdf.yaml'), 'utf8'), 'name: y\n');
  } finally {
    cleanup();
  }
});
