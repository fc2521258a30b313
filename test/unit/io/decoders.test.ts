/**
 * Issue 16, "wrong data in silence": decoders check what they decode. Values are compared with
 * independent references (the zstd command, python3-zarr); the hostile suite (hostile.test.ts)
 * covers the many malformed variants, this file the exact values and messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStack } from '../../../main/io/index.ts';
import { lz4BlockDecode } from '../../../main/io/zarr-checks.ts';
import { handTiff } from './hostile-corpus.ts';
import { PYTHON, pythonHas, tempDir } from './helpers.ts';

const N2S = fileURLToPath(new URL('../../../bin/n2s.mjs', import.meta.url));
const hasZstd = spawnSync('zstd', ['--version']).status === 0;

test('Zstd TIFF: a valid stream reads exactly; corrupt, truncated or foreign streams are errors naming the block', { skip: !hasZstd && 'needs the zstd command' }, async () => {
  const { dir, cleanup } = tempDir('dec-zstd');
  try {
    const raw = Buffer.alloc(24 * 20 * 2);
    for (let i = 0; i < 24 * 20; i++) raw.writeUInt16LE((i * 31) % 4096, i * 2);
    const z = spawnSync('zstd', ['-c', '-q'], { input: raw }).stdout as Buffer;
    writeFileSync(join(dir, 'ok.tif'), handTiff('zstd', { pages: 1, strips: [z] }));
    const s = await readStack(join(dir, 'ok.tif'));
    assert.deepEqual([...s.data.subarray(0, 5)], [0, 31, 62, 93, 124]);
    assert.equal(s.data[479], (479 * 31) % 4096);
    // Two different corruptions must not give (the same) invented pixels.
    for (const [name, stream] of [['flip', Buffer.from(z).fill(0x55, 20, 24)], ['cut', z.subarray(0, z.length - 6)], ['random', Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 97) & 255))]] as const) {
      writeFileSync(join(dir, `${name}.tif`), handTiff('zstd', { pages: 1, strips: [stream] }));
      await assert.rejects(readStack(join(dir, `${name}.tif`)), /^StackFileError: .*\.tif: plane 0 cannot be decoded: compressed data of block 0 fails to decode \(Zstd\): corrupt Zstd stream/, name);
    }
  } finally {
    cleanup();
  }
});

test('LZ4 block decoding (the check behind Blosc-LZ4 and numcodecs LZ4) is exact and refuses overruns', () => {
  // "abcabcabcabc": 3 literals then a match of 9 at offset 3.
  const src = Buffer.from([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x00]);
  assert.equal(Buffer.from(lz4BlockDecode(src, 12)).toString(), 'abcabcabcabc');
  assert.throws(() => lz4BlockDecode(src, 11), /match runs past the end/);
  assert.throws(() => lz4BlockDecode(src, 13), /12 bytes decoded, 13 expected/);
  assert.throws(() => lz4BlockDecode(Buffer.from([0x15, 0x61, 0x09, 0x00]), 10), /match offset outside the output/);
  assert.throws(() => lz4BlockDecode(Buffer.from([0xf0]), 20), /ends inside a length/);
});

test('OME-Zarr from python3-zarr: a missing chunk is the fill value; a corrupt or short chunk is an error naming it', { skip: !pythonHas('zarr', 'numcodecs', 'numpy') && 'needs python3-zarr' }, async () => {
  const { dir, cleanup } = tempDir('dec-zarr');
  try {
    const r = spawnSync(PYTHON, ['-c', [
      'import sys, zarr, numcodecs, numpy as np',
      'a = (np.arange(3*8*8).reshape(3,8,8) % 1000).astype("u2")',
      'for name, comp in {"blosc": numcodecs.Blosc("lz4", 5, shuffle=1), "raw": None}.items():',
      '    g = zarr.open_group(f"{sys.argv[1]}/{name}.zarr", mode="w")',
      '    g.create_dataset("0", data=a, chunks=(1, 8, 8), compressor=comp, fill_value=7)',
      '    g.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": n, "type": "space"} for n in "zyx"], "datasets": [{"path": "0"}]}]',
    ].join('\n'), dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['blosc', 'raw']) {
      const root = join(dir, `${name}.zarr`);
      const chunk = join(root, '0', '1.0.0');
      const bytes = readFileSync(chunk);
      rmSync(chunk);
      const s = await readStack(root);
      assert.deepEqual([...new Set(s.data.subarray(64, 128))], [7], `${name}: the missing chunk reads as fill_value`);
      assert.equal(s.data[128], 128, `${name}: the other chunks are intact`);
      writeFileSync(chunk, bytes.subarray(0, bytes.length - 3));
      await assert.rejects(readStack(root), new RegExp(`${name}\\.zarr: chunk 0/1\\.0\\.0 \\(zyx 1, 0, 0\\) cannot be decoded: `));
      if (name === 'blosc') {
        const bad = Buffer.from(bytes);
        for (let i = 16; i < bad.length; i += 5) bad[i] ^= 0x5a;
        writeFileSync(chunk, bad);
        await assert.rejects(readStack(root), /chunk 0\/1\.0\.0 .*corrupt Blosc data/);
        // python3-zarr refuses it too (the reference for "corrupt").
        const py = spawnSync(PYTHON, ['-c', 'import sys, zarr; zarr.open(sys.argv[1])[1]', join(root, '0')], { encoding: 'utf8' });
        assert.notEqual(py.status, 0);
      }
    }
    assert.deepEqual(readdirSync(dir).sort(), ['blosc.zarr', 'raw.zarr']);
  } finally {
    cleanup();
  }
});

test('a file name that is not UTF-8 opens; a name with a newline gives a one-line error', async () => {
  const { dir, cleanup } = tempDir('dec-names');
  try {
    const ok = join(dir, 'seed.tif');
    writeFileSync(ok, handTiff('none', { pages: 3 }));
    // Latin-1 "café.tif" (0xE9 is not valid UTF-8 on its own): made and read through the shell.
    const sh = (script: string) => spawnSync('/bin/sh', ['-c', script, 'sh', N2S, dir], { encoding: 'utf8' });
    const made = sh('cp "$2/seed.tif" "$2/$(printf \'caf\\351.tif\')"');
    assert.equal(made.status, 0, made.stderr);
    const info = sh('node "$1" info "$2/$(printf \'caf\\351.tif\')" --json');
    assert.equal(info.status, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout.trim().split('\n').pop()!).depth, 3);
    const conv = sh('node "$1" convert "$2/$(printf \'caf\\351.tif\')" "$2/out.tif"');
    assert.equal(conv.status, 0, conv.stderr);
    assert.equal((await readStack(join(dir, 'out.tif'))).depth, 3);
    const nl = sh('node "$1" info "$2/$(printf \'no\\nsuch.tif\')"');
    assert.equal(nl.status, 2);
    assert.equal(nl.stderr, 'n2s info: error: no\\nsuch.tif: no such file or folder\n');
  } finally {
    cleanup();
  }
});
