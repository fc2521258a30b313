/**
 * Malformed files end in one clean error (a StackFileError naming the file, one line) or a valid
 * read, within a time bound: a seeded corpus of truncations and byte flips of valid TIFF and NIfTI
 * files, plus hand-made faults (IFD loop, absurd plane count, zero planes, inconsistent pages,
 * corrupt Deflate data, offsets beyond the end).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeStack } from '../../../shared/stack.ts';
import { createRng } from '../../../shared/random.ts';
import { writeStack } from '../../../main/io/index.ts';
import { writeTiff } from '../../../main/io/tiff/writer.ts';
import { parseTiff } from '../../../main/io/tiff/structure.ts';
import { tempDir } from './helpers.ts';

const RUNNER = fileURLToPath(new URL('./fuzz-runner.ts', import.meta.url));
const PER_FILE_MS = 2000;

/** Offset of the value field of `tag` in the classic little-endian IFD at `ifd`. */
function entryValueAt(buf: Buffer, ifd: number, tag: number): number {
  const n = buf.readUInt16LE(ifd);
  for (let i = 0; i < n; i++) {
    const p = ifd + 2 + 12 * i;
    if (buf.readUInt16LE(p) === tag) return p + 8;
  }
  throw new Error(`tag ${tag} not found`);
}

async function ifdOffsets(path: string): Promise<number[]> {
  const fh = await open(path, 'r');
  try {
    return (await parseTiff(fh, path)).ifds.map((i) => i.offset);
  } finally {
    await fh.close();
  }
}

/** PackBits with literal runs only (valid, if not compact): enough to make a PackBits seed. */
function packBits(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < raw.length; i += 128) {
    const chunk = raw.subarray(i, i + 128);
    parts.push(Buffer.from([chunk.length - 1]), chunk);
  }
  return Buffer.concat(parts);
}

/**
 * Valid LZW of literals only: 9-bit codes with a Clear code every 250 literals, so the decoder's
 * dictionary never grows past 9-bit codes (as simple as an LZW encoder gets).
 */
function lzwLiterals(raw: Buffer): Buffer {
  const codes: number[] = [];
  raw.forEach((b, i) => {
    if (i % 250 === 0) codes.push(256);
    codes.push(b);
  });
  codes.push(257);
  const out = Buffer.alloc(Math.ceil((codes.length * 9) / 8));
  codes.forEach((c, k) => {
    for (let bit = 0; bit < 9; bit++) {
      if (c & (1 << (8 - bit))) {
        const pos = k * 9 + bit;
        out[pos >> 3] |= 0x80 >> (pos & 7);
      }
    }
  });
  return out;
}

type Codec = 'deflate' | 'packbits' | 'lzw';
const CODEC_TAG: Record<Codec, number> = { deflate: 8, packbits: 32773, lzw: 5 };

/** A one-strip-per-page compressed uint16 TIFF, assembled by hand (our writer does not compress). */
function deflateTiff(width: number, height: number, pages: number, codec: Codec = 'deflate'): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(8);
  header.write('II');
  header.writeUInt16LE(42, 2);
  let pos = 8;
  const strips: { at: number; len: number }[] = [];
  for (let k = 0; k < pages; k++) {
    const raw = Buffer.alloc(width * height * 2);
    for (let i = 0; i < width * height; i++) raw.writeUInt16LE((i * 31 + k * 7) & 0xffff, i * 2);
    const z = codec === 'deflate' ? deflateSync(raw) : codec === 'packbits' ? packBits(raw) : lzwLiterals(raw);
    parts.push(z);
    strips.push({ at: pos, len: z.length });
    pos += z.length;
  }
  if (pos % 2) {
    parts.push(Buffer.alloc(1));
    pos++;
  }
  header.writeUInt32LE(pos, 4);
  for (let k = 0; k < pages; k++) {
    const tags: [number, number, number][] = [
      [256, 4, width], [257, 4, height], [258, 3, 16], [259, 3, CODEC_TAG[codec]], [262, 3, 1],
      [273, 4, strips[k].at], [277, 3, 1], [278, 4, height], [279, 4, strips[k].len],
    ];
    const ifd = Buffer.alloc(2 + tags.length * 12 + 4);
    ifd.writeUInt16LE(tags.length, 0);
    tags.forEach(([tag, type, v], i) => {
      const p = 2 + i * 12;
      ifd.writeUInt16LE(tag, p);
      ifd.writeUInt16LE(type, p + 2);
      ifd.writeUInt32LE(1, p + 4);
      if (type === 3) ifd.writeUInt16LE(v, p + 8);
      else ifd.writeUInt32LE(v, p + 8);
    });
    ifd.writeUInt32LE(k === pages - 1 ? 0 : pos + ifd.length, ifd.length - 4);
    parts.push(ifd);
    pos += ifd.length;
  }
  return Buffer.concat([header, ...parts]);
}

test('≥ 50 malformed files each end in a clean error (or a valid read) within a time bound', async () => {
  const { dir, cleanup } = tempDir('fuzz');
  try {
    // Valid seeds.
    const s = makeStack(4, 9, 11, undefined, { name: 's', dtype: 'uint16', voxelSize: { z: 2, y: 0.5, x: 0.5, unit: 'micron' } });
    for (let i = 0; i < s.data.length; i++) s.data[i] = (i * 37) % 5000;
    await writeStack(join(dir, 'seed-ij.tif'), s);
    await writeStack(join(dir, 'seed-ome.ome.tif'), { ...s, meta: { ...s.meta, dtype: 'float32' } });
    await writeStack(join(dir, 'seed-big.tif'), s, { bigTiffThreshold: 0 });
    await writeStack(join(dir, 'seed.nii'), s);
    await writeStack(join(dir, 'seed.nii.gz'), s);
    writeFileSync(join(dir, 'seed-deflate.tif'), deflateTiff(13, 7, 3));
    writeFileSync(join(dir, 'seed-packbits.tif'), deflateTiff(13, 7, 3, 'packbits'));
    writeFileSync(join(dir, 'seed-lzw.tif'), deflateTiff(13, 7, 3, 'lzw'));
    const seeds = ['seed-ij.tif', 'seed-ome.ome.tif', 'seed-big.tif', 'seed.nii', 'seed.nii.gz', 'seed-deflate.tif', 'seed-packbits.tif', 'seed-lzw.tif'];

    const rng = createRng(Number(process.env.N2S_FUZZ_SEED ?? 20261126));
    const corpus: string[] = [];
    const add = (name: string, bytes: Buffer) => {
      writeFileSync(join(dir, name), bytes);
      corpus.push(join(dir, name));
    };
    for (const seed of seeds) {
      const good = readFileSync(join(dir, seed));
      const ext = seed.slice(seed.indexOf('.'));
      for (let k = 0; k < 5; k++) add(`trunc-${k}-${seed.replace(/\..*/, '')}${ext}`, good.subarray(0, rng.int(good.length)));
      for (let k = 0; k < 6; k++) {
        const b = Buffer.from(good);
        const flips = 1 + rng.int(8);
        for (let f = 0; f < flips; f++) {
          // Half of the flips hit the header and the metadata at the end (IFDs), where faults bite.
          const region = rng.next() < 0.5;
          const at = region ? (rng.next() < 0.3 ? rng.int(Math.min(352, b.length)) : b.length - 1 - rng.int(Math.ceil(b.length / 4))) : rng.int(b.length);
          b[at] ^= 1 + rng.int(255);
        }
        add(`flip-${k}-${seed.replace(/\..*/, '')}${ext}`, b);
      }
    }

    // Hand-made faults.
    const ij = readFileSync(join(dir, 'seed-ij.tif'));
    const offs = await ifdOffsets(join(dir, 'seed-ij.tif'));
    const loop = Buffer.from(ij);
    const last = offs[offs.length - 1];
    loop.writeUInt32LE(offs[0], last + 2 + 12 * loop.readUInt16LE(last));
    add('ifd-loop.tif', loop);
    const wide = Buffer.from(ij);
    wide.writeUInt32LE(7, entryValueAt(wide, offs[2], 256));
    add('inconsistent-pages.tif', wide);
    const beyond = Buffer.from(ij);
    beyond.writeUInt32LE(ij.length + 100, entryValueAt(beyond, offs[1], 273));
    add('offset-beyond-eof.tif', beyond);
    const noIfd = Buffer.from(ij);
    noIfd.writeUInt32LE(0, 4);
    add('zero-planes.tif', noIfd);
    const huge = Buffer.from(ij);
    huge.writeUInt32LE(2_000_000, entryValueAt(huge, offs[0], 257));
    add('absurd-height.tif', huge);
    const fh = await open(join(dir, 'absurd-planes.tif'), 'w');
    await writeTiff(fh, { depth: 1, height: 4, width: 4, plane: () => new Float32Array(16) }, {
      dtype: 'uint8', bigTiff: false,
      describe: () => 'ImageJ=1.11a\nimages=1000000000\nslices=1000000000\nloop=false\n',
    });
    await fh.close();
    corpus.push(join(dir, 'absurd-planes.tif'));
    const fh2 = await open(join(dir, 'absurd-ome.ome.tif'), 'w');
    await writeTiff(fh2, { depth: 2, height: 4, width: 4, plane: () => new Float32Array(16) }, {
      dtype: 'uint8', bigTiff: false,
      describe: () => '<OME><Image ID="Image:0"><Pixels DimensionOrder="XYZCT" SizeX="4" SizeY="4" SizeZ="1000000000" SizeC="1" SizeT="1"><TiffData/></Pixels></Image></OME>',
    });
    await fh2.close();
    corpus.push(join(dir, 'absurd-ome.ome.tif'));
    const nii = readFileSync(join(dir, 'seed.nii'));
    const zeroNii = Buffer.from(nii);
    zeroNii.writeInt16LE(0, 46);
    add('zero-planes.nii', zeroNii);
    const bigNii = Buffer.from(nii);
    bigNii.writeInt16LE(32000, 46);
    add('absurd-planes.nii', bigNii);
    const defl = deflateTiff(13, 7, 3);
    for (let i = 30; i < 60; i++) defl[i] ^= 0x5a;
    add('corrupt-deflate.tif', defl);
    const pb = deflateTiff(13, 7, 3, 'packbits');
    // Page 0's strip declared 20 bytes long: PackBits then yields far fewer bytes than the plane.
    pb.writeUInt32LE(20, entryValueAt(pb, pb.readUInt32LE(4), 279));
    add('truncated-packbits.tif', pb);
    add('empty.tif', Buffer.alloc(0));
    add('not-a-tiff.tif', Buffer.from('hello, this is not an image at all'));

    assert.ok(corpus.length >= 50, `corpus has ${corpus.length} files`);
    // The hand-made compressed seeds themselves are valid and must read.
    for (const seed of ['seed-deflate.tif', 'seed-packbits.tif', 'seed-lzw.tif']) corpus.push(join(dir, seed));
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', RUNNER, ...corpus], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 << 20 });
    assert.equal(r.signal, null, `fuzz runner was killed (${r.signal}): a hang or runaway decoder; stderr: ${r.stderr.slice(0, 2000)}`);
    assert.equal(r.status, 0, `fuzz runner failed: ${r.stderr.slice(0, 2000)}`);
    const results = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; outcome: string; message: string; ms: number });
    assert.equal(results.length, corpus.length);
    for (const res of results) {
      assert.notEqual(res.outcome, 'crash', `${res.file}: ${res.message}`);
      assert.ok(res.ms < PER_FILE_MS, `${res.file} took ${res.ms.toFixed(0)} ms`);
    }
    if (process.env.N2S_FUZZ_VERBOSE) for (const x of results) console.log(`${x.outcome.padEnd(11)} ${x.message}`);
    const byName = new Map(results.map((x) => [x.file, x]));
    const expectError = (name: string, re: RegExp) => {
      const x = byName.get(name);
      assert.equal(x?.outcome, 'clean-error', `${name} should fail cleanly`);
      assert.match(x?.message ?? '', re, name);
    };
    for (const seed of ['seed-deflate.tif', 'seed-packbits.tif', 'seed-lzw.tif']) assert.equal(byName.get(seed)?.outcome, 'read', `${seed}: ${byName.get(seed)?.message}`);
    expectError('ifd-loop.tif', /IFD chain loops back/);
    expectError('inconsistent-pages.tif', /inconsistent page sizes: plane z=2/);
    expectError('offset-beyond-eof.tif', /beyond the end of the file/);
    expectError('zero-planes.tif', /zero pages/);
    expectError('absurd-height.tif', /absurd image size|beyond the end/);
    expectError('absurd-planes.tif', /declares 1000000000 images but the file holds data for only 1/);
    expectError('absurd-ome.ome.tif', /OME-XML declares 1000000000 planes .* but the file has 2 pages/);
    expectError('zero-planes.nii', /dimension of size 0/);
    expectError('absurd-planes.nii', /declares .* voxels .* truncated/);
    expectError('corrupt-deflate.tif', /fails to decode \(Deflate\)/);
    expectError('empty.tif', /too short to be a TIFF/);
    expectError('truncated-packbits.tif', /holds \d+ bytes of image data, 182 expected/);
    expectError('not-a-tiff.tif', /not a TIFF file/);
    const errors = results.filter((x) => x.outcome === 'clean-error').length;
    assert.ok(errors >= 40, `only ${errors} of ${results.length} malformed files were refused`);
    console.log(`fuzz: ${results.length} files, ${errors} clean errors, ${results.length - errors} valid reads, ${Date.now() - t0} ms`);
  } finally {
    cleanup();
  }
});
