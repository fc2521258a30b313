/**
 * The generated hostile-input corpus of issue 16: malformed and odd TIFF, NIfTI and OME-Zarr
 * inputs, made from valid seeds (our writer, tifffile and python3-zarr when present, hand-made
 * compressed TIFFs) by truncation at many offsets, corrupt compressed streams of every codec,
 * huge shapes, IFD loops, special files and odd names. Each case says what a correct tool does
 * with it: 'error' (must be refused), 'read' (must read) or 'any' (a byte flip may leave the file
 * valid; either outcome, but never a crash, a hang or a half-written output).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { deflateSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { makeStack } from '../../../shared/stack.ts';
import { createRng } from '../../../shared/random.ts';
import { writeStack } from '../../../main/io/index.ts';
import { writeTiff } from '../../../main/io/tiff/writer.ts';
import { PYTHON, pythonHas } from './helpers.ts';

/**
 * 'error': refused by every command; 'data-error': the header is sound, so `info` may describe
 * it, but anything that decodes the pixels (convert, denoise) must refuse it.
 */
export type Expect = 'error' | 'data-error' | 'read' | 'any';
export interface HostileCase {
  /** File or folder name inside the corpus folder. */
  name: string;
  kind: 'tiff' | 'nifti' | 'zarr' | 'special' | 'name';
  expect: Expect;
  /** What the message must say, when it matters (a regular expression source). */
  message?: string;
}

const W = 24;
const H = 20;
const PAGES = 4;

/** The seed values: plane k, pixel i → (i * 31 + k * 7) mod 4096 (uint16). */
function seedRaw(pages = PAGES, w = W, h = H): Buffer[] {
  return Array.from({ length: pages }, (_, k) => {
    const raw = Buffer.alloc(w * h * 2);
    for (let i = 0; i < w * h; i++) raw.writeUInt16LE((i * 31 + k * 7) % 4096, i * 2);
    return raw;
  });
}

function zstdCompress(raw: Buffer): Buffer | undefined {
  const r = spawnSync('zstd', ['-c', '-q', '-3'], { input: raw, maxBuffer: 64 << 20 });
  return r.status === 0 ? (r.stdout as Buffer) : undefined;
}

function packBits(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < raw.length; i += 128) {
    const chunk = raw.subarray(i, i + 128);
    parts.push(Buffer.from([chunk.length - 1]), chunk);
  }
  return Buffer.concat(parts);
}

/** Valid LZW of literals only (9-bit codes, Clear every 250 literals). */
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

const CODEC_TAG = { none: 1, deflate: 8, packbits: 32773, lzw: 5, zstd: 50000 } as const;
type TiffCodec = keyof typeof CODEC_TAG;

/**
 * A little-endian TIFF of uint16 pages, one strip per page, with the given codec. `tags` may
 * override or add IFD entries (tag → [type, value]) to make hostile headers.
 */
export function handTiff(codec: TiffCodec, opts: { pages?: number; w?: number; h?: number; tags?: Record<number, [number, number]>; strips?: Buffer[] } = {}): Buffer {
  const pages = opts.pages ?? PAGES;
  const w = opts.w ?? W;
  const h = opts.h ?? H;
  const strips = opts.strips ?? seedRaw(pages, w, h).map((raw) => {
    if (codec === 'none') return raw;
    if (codec === 'deflate') return deflateSync(raw);
    if (codec === 'packbits') return packBits(raw);
    if (codec === 'lzw') return lzwLiterals(raw);
    const z = zstdCompress(raw);
    if (!z) throw new Error('no zstd');
    return z;
  });
  const header = Buffer.alloc(8);
  header.write('II');
  header.writeUInt16LE(42, 2);
  const parts: Buffer[] = [];
  let pos = 8;
  const at: { off: number; len: number }[] = [];
  for (const s of strips) {
    parts.push(s);
    at.push({ off: pos, len: s.length });
    pos += s.length;
    if (pos % 2) {
      parts.push(Buffer.alloc(1));
      pos++;
    }
  }
  header.writeUInt32LE(pos, 4);
  for (let k = 0; k < pages; k++) {
    const base: Record<number, [number, number]> = {
      256: [4, w], 257: [4, h], 258: [3, 16], 259: [3, CODEC_TAG[codec]], 262: [3, 1],
      273: [4, at[k].off], 277: [3, 1], 278: [4, h], 279: [4, at[k].len],
    };
    const tags = Object.entries({ ...base, ...(k === 0 ? opts.tags ?? {} : {}) }).map(([t, v]) => [Number(t), v[0], v[1]] as const).sort((a, b) => a[0] - b[0]);
    const ifd = Buffer.alloc(2 + tags.length * 12 + 4);
    ifd.writeUInt16LE(tags.length, 0);
    tags.forEach(([tag, type, v], i) => {
      const p = 2 + i * 12;
      ifd.writeUInt16LE(tag, p);
      ifd.writeUInt16LE(type, p + 2);
      ifd.writeUInt32LE(1, p + 4);
      if (type === 3) ifd.writeUInt16LE(v, p + 8);
      else ifd.writeUInt32LE(v >>> 0, p + 8);
    });
    ifd.writeUInt32LE(k === pages - 1 ? 0 : pos + ifd.length, ifd.length - 4);
    parts.push(ifd);
    pos += ifd.length;
  }
  return Buffer.concat([header, ...parts]);
}

/** Offsets of the IFDs of a classic little-endian TIFF. */
function ifdOffsets(b: Buffer): number[] {
  const out: number[] = [];
  let off = b.readUInt32LE(4);
  while (off && out.length < 100 && off + 2 <= b.length) {
    out.push(off);
    off = b.readUInt32LE(off + 2 + 12 * b.readUInt16LE(off));
  }
  return out;
}

/** Truncation points: inside the header, the IFDs, every strip and the last bytes. */
function cuts(len: number, n: number, rng: ReturnType<typeof createRng>): number[] {
  const fixed = [0, 1, 4, 7, 8, Math.floor(len / 2), len - 1, len - 2];
  const out = new Set(fixed.filter((x) => x >= 0 && x < len));
  while (out.size < n) out.add(rng.int(len));
  return [...out].sort((a, b) => a - b);
}

export async function buildCorpus(dir: string, seed = 16): Promise<{ cases: HostileCase[]; skipped: string[] }> {
  const rng = createRng(seed);
  const cases: HostileCase[] = [];
  const skipped: string[] = [];
  const add = (name: string, kind: HostileCase['kind'], expect: Expect, bytes?: Buffer, message?: string) => {
    if (bytes) writeFileSync(join(dir, name), bytes);
    cases.push({ name, kind, expect, ...(message ? { message } : {}) });
  };

  // ---- TIFF seeds -------------------------------------------------------------------------
  const s = makeStack(PAGES, H, W, undefined, { name: 's', dtype: 'uint16', voxelSize: { z: 2, y: 0.5, x: 0.5, unit: 'micron' } });
  for (let i = 0; i < s.data.length; i++) s.data[i] = (i * 37) % 5000;
  await writeStack(join(dir, 'seed-ij.tif'), s);
  await writeStack(join(dir, 'seed-ome.ome.tif'), { ...s, meta: { ...s.meta, dtype: 'float32' } });
  await writeStack(join(dir, 'seed-big.tif'), s, { bigTiffThreshold: 0 });
  const seeds: Record<string, Buffer> = {
    'seed-ij.tif': readFileSync(join(dir, 'seed-ij.tif')),
    'seed-ome.ome.tif': readFileSync(join(dir, 'seed-ome.ome.tif')),
    'seed-big.tif': readFileSync(join(dir, 'seed-big.tif')),
    'seed-deflate.tif': handTiff('deflate'),
    'seed-packbits.tif': handTiff('packbits'),
    'seed-lzw.tif': handTiff('lzw'),
  };
  const haveZstd = zstdCompress(Buffer.alloc(4)) !== undefined;
  if (haveZstd) seeds['seed-zstd.tif'] = handTiff('zstd');
  else skipped.push('Zstd TIFF cases (no zstd command)');
  if (pythonHas('tifffile', 'numpy')) {
    const r = spawnSync(PYTHON, ['-c', [
      'import sys, numpy as np, tifffile',
      'd = sys.argv[1]',
      'a = (np.arange(2*3*4*20*24).reshape(2,3,4,20,24) % 4000).astype("u2")',
      'tifffile.imwrite(d + "/seed-5d.tif", a, imagej=True, metadata={"axes": "TZCYX"})',
      'tifffile.imwrite(d + "/seed-5d-plain.tif", a)',
      'tifffile.imwrite(d + "/seed-tiled.tif", a[0].reshape(12, 20, 24), tile=(16, 16))',
      'tifffile.imwrite(d + "/seed-be.tif", a[0].reshape(12, 20, 24), byteorder=">")',
      'b = (np.arange(2*2*2*20*24).reshape(2,2,2,20,24) % 4000).astype("u2")',
      'tifffile.imwrite(d + "/shaped-5d-unlabelled.tif", b)',
      'tifffile.imwrite(d + "/shaped-5d-tczyx.tif", b, metadata={"axes": "TCZYX"})',
      'tifffile.imwrite(d + "/shaped-5d-qqq.tif", b, metadata={"axes": "QQQYX"})',
    ].join('\n'), dir], { encoding: 'utf8' });
    if (r.status === 0) {
      for (const n of ['seed-tiled.tif', 'seed-be.tif']) seeds[n] = readFileSync(join(dir, n));
      // A 5-D ImageJ hyperstack (T=2, Z=3, C=4) must not be read as 24 z-planes.
      add('seed-5d.tif', 'tiff', 'read');
      // tifffile's own 5-D layout: with axes it reads; without, it is refused (not 8 z-planes).
      add('shaped-5d-tczyx.tif', 'tiff', 'read');
      add('shaped-5d-unlabelled.tif', 'tiff', 'error', undefined, 'cannot tell which dimension is Z');
      add('shaped-5d-qqq.tif', 'tiff', 'error', undefined, 'not time');
      add('seed-5d-plain.tif', 'tiff', 'error', undefined, 'colour');
    } else skipped.push(`tifffile seeds (${r.stderr.split('\n').at(-2)})`);
  } else skipped.push('tifffile seeds (no python3 tifffile)');
  for (const [name, bytes] of Object.entries(seeds)) {
    writeFileSync(join(dir, name), bytes);
    add(name, 'tiff', 'read');
    const stem = name.replace(/\..*$/, '');
    const ext = name.slice(name.indexOf('.'));
    // Truncations: every cut of a TIFF loses data or structure, so each must be refused
    // (the IFDs of our own files are at the end; hand-made ones too).
    // (tifffile may end a file with an alignment byte it never reads: cutting that one is harmless.)
    const foreign = name === 'seed-tiled.tif' || name === 'seed-be.tif';
    for (const at of cuts(bytes.length, 9, rng)) add(`${stem}-cut${at}${ext}`, 'tiff', foreign && at >= bytes.length - 2 ? 'any' : 'error', bytes.subarray(0, at));
    for (let k = 0; k < 3; k++) {
      const b = Buffer.from(bytes);
      const flips = 1 + rng.int(6);
      for (let f = 0; f < flips; f++) b[rng.int(b.length)] ^= 1 + rng.int(255);
      add(`${stem}-flip${k}${ext}`, 'tiff', 'any', b);
    }
  }
  // Corrupt compressed streams of every TIFF codec with an integrity check, and short streams.
  const raw0 = seedRaw(1)[0];
  const deflated = deflateSync(raw0);
  const corruptDeflate = Buffer.from(deflated);
  for (let i = 6; i < corruptDeflate.length - 4; i += 5) corruptDeflate[i] ^= 0x5a;
  add('deflate-corrupt.tif', 'tiff', 'data-error', handTiff('deflate', { pages: 1, strips: [corruptDeflate] }), 'Deflate');
  add('deflate-short.tif', 'tiff', 'data-error', handTiff('deflate', { pages: 1, strips: [deflated.subarray(0, deflated.length >> 1)] }));
  add('packbits-short.tif', 'tiff', 'data-error', handTiff('packbits', { pages: 1, strips: [packBits(raw0).subarray(0, 200)] }), 'bytes of image data');
  add('lzw-short.tif', 'tiff', 'data-error', handTiff('lzw', { pages: 1, strips: [lzwLiterals(raw0).subarray(0, 100)] }));
  if (haveZstd) {
    const z = zstdCompress(raw0)!;
    const z2 = zstdCompress(seedRaw(1)[0].map((v, i) => (i % 3 ? v : 255 - v)) as Buffer)!;
    for (const [k, at] of [[0, 9], [1, 14], [2, z.length >> 1], [3, z.length - 3]] as const) {
      const b = Buffer.from(z);
      b[at] ^= 0x55;
      add(`zstd-corrupt${k}.tif`, 'tiff', 'data-error', handTiff('zstd', { pages: 1, strips: [b] }), 'Zstd');
    }
    for (const [k, n] of [[0, 6], [1, z.length >> 1], [2, z.length - 1]] as const) add(`zstd-short${k}.tif`, 'tiff', 'data-error', handTiff('zstd', { pages: 1, strips: [z.subarray(0, n)] }), 'Zstd');
    // Two different garbage streams (a valid frame of other content, and random bytes).
    add('zstd-wrong-size.tif', 'tiff', 'data-error', handTiff('zstd', { pages: 1, h: H + 1, strips: [z] }), 'Zstd');
    add('zstd-random.tif', 'tiff', 'data-error', handTiff('zstd', { pages: 1, strips: [Buffer.from(Array.from({ length: 600 }, () => rng.int(256)))] }), 'Zstd');
    add('zstd-other.tif', 'tiff', 'read', handTiff('zstd', { pages: 1, strips: [z2] }));
  }
  // Hostile headers.
  const ij = seeds['seed-ij.tif'];
  const offs = ifdOffsets(ij);
  const loop = Buffer.from(ij);
  const last = offs[offs.length - 1];
  loop.writeUInt32LE(offs[0], last + 2 + 12 * loop.readUInt16LE(last));
  add('ifd-loop.tif', 'tiff', 'error', loop, 'IFD chain loops back');
  const self = Buffer.from(ij);
  self.writeUInt32LE(offs[0], offs[0] + 2 + 12 * self.readUInt16LE(offs[0]));
  add('ifd-self-loop.tif', 'tiff', 'error', self, 'loops');
  add('huge-100000x100000.tif', 'tiff', 'error', handTiff('deflate', { pages: 1, w: 100000, h: 100000, strips: [deflateSync(Buffer.alloc(64))] }), 'larger than n2s reads');
  add('huge-65535-uncompressed.tif', 'tiff', 'error', handTiff('none', { pages: 1, w: 65535, h: 65535, strips: [Buffer.alloc(64)] }));
  add('zero-width.tif', 'tiff', 'error', handTiff('none', { pages: 1, tags: { 256: [4, 0] } }));
  add('bits-13.tif', 'tiff', 'error', handTiff('none', { pages: 1, tags: { 258: [3, 13] } }));
  add('spp-0.tif', 'tiff', 'error', handTiff('none', { pages: 1, tags: { 277: [3, 0] } }));
  add('codec-jpeg.tif', 'tiff', 'error', handTiff('none', { pages: 1, tags: { 259: [3, 7] } }), 'compression');
  add('codec-unknown.tif', 'tiff', 'error', handTiff('none', { pages: 1, tags: { 259: [3, 60000] } }), 'compression');
  add('rows-per-strip-0.tif', 'tiff', 'any', handTiff('none', { pages: 1, tags: { 278: [4, 0] } }));
  add('strip-offset-beyond.tif', 'tiff', 'error', handTiff('none', { pages: 1, tags: { 273: [4, 0x7fffffff] } }), 'beyond the end');
  add('tile-0.tif', 'tiff', 'error', handTiff('none', { pages: 1, tags: { 322: [3, 0], 323: [3, 0], 324: [4, 8], 325: [4, 10] } }));
  const fh = await open(join(dir, 'imagej-1e9-images.tif'), 'w');
  await writeTiff(fh, { depth: 1, height: 4, width: 4, plane: () => new Float32Array(16) }, {
    dtype: 'uint8', bigTiff: false, describe: () => 'ImageJ=1.11a\nimages=1000000000\nslices=1000000000\nloop=false\n',
  });
  await fh.close();
  add('imagej-1e9-images.tif', 'tiff', 'error');
  add('empty.tif', 'tiff', 'error', Buffer.alloc(0), 'too short');
  add('text.tif', 'tiff', 'error', Buffer.from('hello, this is not an image at all\n'), 'not a TIFF');
  add('png-renamed.tif', 'tiff', 'error', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]));

  // ---- NIfTI ------------------------------------------------------------------------------
  await writeStack(join(dir, 'seed.nii'), s);
  await writeStack(join(dir, 'seed.nii.gz'), s);
  const nii = readFileSync(join(dir, 'seed.nii'));
  const niigz = readFileSync(join(dir, 'seed.nii.gz'));
  add('seed.nii', 'nifti', 'read');
  add('seed.nii.gz', 'nifti', 'read');
  for (const at of cuts(nii.length, 8, rng)) add(`nii-cut${at}.nii`, 'nifti', 'error', nii.subarray(0, at));
  // Cut inside the last 8 bytes (gzip's CRC and length) the data are all there: either is right.
  for (const at of cuts(niigz.length, 8, rng)) add(`niigz-cut${at}.nii.gz`, 'nifti', at >= niigz.length - 8 ? 'any' : 'error', niigz.subarray(0, at));
  const header = (mut: (b: Buffer) => void) => {
    const b = Buffer.from(nii);
    mut(b);
    return b;
  };
  add('nii-dim0-zero.nii', 'nifti', 'error', header((b) => b.writeInt16LE(0, 40)));
  add('nii-dim0-8.nii', 'nifti', 'error', header((b) => b.writeInt16LE(9, 40)));
  add('nii-dim-negative.nii', 'nifti', 'error', header((b) => b.writeInt16LE(-5, 44)));
  add('nii-dim-zero.nii', 'nifti', 'error', header((b) => b.writeInt16LE(0, 46)));
  add('nii-huge.nii', 'nifti', 'error', header((b) => {
    b.writeInt16LE(32767, 42);
    b.writeInt16LE(32767, 44);
    b.writeInt16LE(32767, 46);
  }));
  add('nii-datatype-unknown.nii', 'nifti', 'error', header((b) => b.writeInt16LE(1234, 70)));
  add('nii-vox-offset-beyond.nii', 'nifti', 'error', header((b) => b.writeFloatLE(1e9, 108)));
  add('nii-vox-offset-nan.nii', 'nifti', 'any', header((b) => b.writeFloatLE(NaN, 108)));
  add('nii-sizeof-hdr.nii', 'nifti', 'error', header((b) => b.writeInt32LE(12345, 0)));
  add('nii-slope-inf.nii', 'nifti', 'any', header((b) => b.writeFloatLE(Infinity, 112)));
  const gzCorrupt = Buffer.from(niigz);
  for (let i = 20; i < gzCorrupt.length - 8; i += 7) gzCorrupt[i] ^= 0x33;
  add('niigz-corrupt.nii.gz', 'nifti', 'error', gzCorrupt);
  add('niigz-not-gzip.nii.gz', 'nifti', 'error', Buffer.from(nii));
  add('niigz-bomb.nii.gz', 'nifti', 'error', gzipSync(Buffer.alloc(64 << 20)));
  for (let k = 0; k < 4; k++) {
    const b = Buffer.from(nii);
    for (let f = 0; f < 1 + rng.int(4); f++) b[rng.int(352)] ^= 1 + rng.int(255);
    add(`nii-flip${k}.nii`, 'nifti', 'any', b);
  }

  // ---- OME-Zarr ---------------------------------------------------------------------------
  await writeStack(join(dir, 'seed-ours.zarr'), s);
  add('seed-ours.zarr', 'zarr', 'read');
  const zarrSeeds = ['seed-ours.zarr'];
  if (pythonHas('zarr', 'numcodecs', 'numpy')) {
    const r = spawnSync(PYTHON, ['-c', [
      'import sys, zarr, numcodecs, numpy as np',
      'd = sys.argv[1]',
      'a = (np.arange(4*20*24).reshape(4,20,24) % 4000).astype("u2")',
      'codecs = {"blosc-lz4": numcodecs.Blosc("lz4", 5, shuffle=1), "blosc-zstd": numcodecs.Blosc("zstd", 5, shuffle=1),',
      '  "blosc-zlib": numcodecs.Blosc("zlib", 5, shuffle=2), "blosc-blosclz": numcodecs.Blosc("blosclz", 5, shuffle=0),',
      '  "zstd": numcodecs.Zstd(3), "lz4": numcodecs.LZ4(), "gzip": numcodecs.GZip(), "zlib": numcodecs.Zlib(), "raw": None}',
      'for name, comp in codecs.items():',
      '    g = zarr.open_group(f"{d}/seed-{name}.zarr", mode="w")',
      '    g.create_dataset("0", data=a, chunks=(1, 20, 24), compressor=comp, fill_value=7)',
      '    g.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": n, "type": "space"} for n in "zyx"], "datasets": [{"path": "0"}]}]',
      'print("ok")',
    ].join('\n'), dir], { encoding: 'utf8' });
    if (r.status === 0) {
      for (const c of ['blosc-lz4', 'blosc-zstd', 'blosc-zlib', 'blosc-blosclz', 'zstd', 'lz4', 'gzip', 'zlib', 'raw']) {
        zarrSeeds.push(`seed-${c}.zarr`);
        add(`seed-${c}.zarr`, 'zarr', 'read');
      }
    } else skipped.push(`python3-zarr seeds (${r.stderr.split('\n').at(-2)})`);
  } else skipped.push('python3-zarr seeds (no python3 zarr)');
  const variant = (seedName: string, name: string, mut: (root: string) => void, expect: Expect, message?: string) => {
    const root = join(dir, name);
    cpSync(join(dir, seedName), root, { recursive: true });
    mut(root);
    cases.push({ name, kind: 'zarr', expect, ...(message ? { message } : {}) });
  };
  const chunkFile = (root: string): string => {
    const d = join(root, '0');
    const names = readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((n) => !n.split('/').pop()!.startsWith('.'));
    // The chunk of plane 1 (v2 keys "1.0.0" or "1/0/0").
    const hit = names.find((n) => n === '1.0.0' || n === '1/0/0');
    if (!hit) throw new Error(`no chunk 1.0.0 in ${root}: ${names.join(',')}`);
    return join(d, hit);
  };
  for (const seedName of zarrSeeds) {
    const stem = seedName.replace(/\.zarr$/, '');
    const raw = seedName === 'seed-raw.zarr';
    variant(seedName, `${stem}-flip.zarr`, (root) => {
      const f = chunkFile(root);
      const b = readFileSync(f);
      for (let i = 20; i < b.length; i += 7) b[i] ^= 0x5a;
      writeFileSync(f, b);
    }, raw || /lz4\b|seed-lz4|blosclz/.test(seedName) ? 'any' : 'data-error');
    variant(seedName, `${stem}-short.zarr`, (root) => {
      const f = chunkFile(root);
      writeFileSync(f, readFileSync(f).subarray(0, -10));
    }, 'data-error', 'chunk 0/1');
    variant(seedName, `${stem}-empty-chunk.zarr`, (root) => writeFileSync(chunkFile(root), Buffer.alloc(0)), 'data-error', 'chunk 0/1');
    variant(seedName, `${stem}-missing-chunk.zarr`, (root) => rmSync(chunkFile(root)), 'read');
  }
  const zarray = (root: string) => join(root, '0', '.zarray');
  const editJson = (file: string, f: (j: Record<string, unknown>) => void) => {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    f(j);
    writeFileSync(file, JSON.stringify(j));
  };
  variant('seed-ours.zarr', 'zarr-huge-shape.zarr', (r) => editJson(zarray(r), (j) => (j.shape = [1e9, 1e9, 1e9])), 'error', 'larger than n2s reads');
  variant('seed-ours.zarr', 'zarr-zero-chunk.zarr', (r) => editJson(zarray(r), (j) => (j.chunks = [0, 20, 24])), 'error', 'chunk size must be');
  variant('seed-ours.zarr', 'zarr-huge-chunk.zarr', (r) => editJson(zarray(r), (j) => (j.chunks = [100000, 100000, 100000])), 'error', 'too large');
  variant('seed-ours.zarr', 'zarr-unknown-codec.zarr', (r) => editJson(zarray(r), (j) => (j.compressor = { id: 'evilcodec' })), 'error', 'evilcodec');
  variant('seed-ours.zarr', 'zarr-bad-dtype.zarr', (r) => editJson(zarray(r), (j) => (j.dtype = '<c16')), 'error');
  variant('seed-ours.zarr', 'zarr-negative-shape.zarr', (r) => editJson(zarray(r), (j) => (j.shape = [-1, 20, 24])), 'error');
  variant('seed-ours.zarr', 'zarr-zarray-garbage.zarr', (r) => writeFileSync(zarray(r), '{not json'), 'error');
  variant('seed-ours.zarr', 'zarr-zattrs-garbage.zarr', (r) => writeFileSync(join(r, '.zattrs'), '\x00\x01garbage'), 'error');
  variant('seed-ours.zarr', 'zarr-no-multiscales.zarr', (r) => writeFileSync(join(r, '.zattrs'), '{}'), 'error');
  variant('seed-ours.zarr', 'zarr-no-x-axis.zarr', (r) => editJson(join(r, '.zattrs'), (j) => {
    const ms = (j.multiscales as { axes: unknown[] }[])[0];
    ms.axes = [{ name: 'z' }, { name: 'y' }, { name: 'q' }];
  }), 'error');
  variant('seed-ours.zarr', 'zarr-dataset-escape.zarr', (r) => editJson(join(r, '.zattrs'), (j) => {
    (j.multiscales as { datasets: { path: string }[] }[])[0].datasets[0].path = '../../../../etc';
  }), 'error');
  variant('seed-ours.zarr', 'zarr-no-array.zarr', (r) => rmSync(join(r, '0'), { recursive: true }), 'error');
  variant('seed-ours.zarr', 'zarr-incomplete.zarr', (r) => writeFileSync(join(r, '.n2s-incomplete'), '{}'), 'error', 'is incomplete');
  variant('seed-ours.zarr', 'zarr-chunk-is-dir.zarr', (r) => {
    const f = chunkFile(r);
    rmSync(f);
    mkdirSync(f);
  }, 'data-error');
  if (spawnSync('mkfifo', ['--help']).status === 0) {
    variant('seed-ours.zarr', 'zarr-chunk-fifo.zarr', (r) => {
      const f = chunkFile(r);
      rmSync(f);
      spawnSync('mkfifo', [f]);
    }, 'data-error', 'not a regular file');
    variant('seed-ours.zarr', 'zarr-zattrs-fifo.zarr', (r) => {
      rmSync(join(r, '.zattrs'));
      spawnSync('mkfifo', [join(r, '.zattrs')]);
    }, 'error');
  }

  // ---- Special files ----------------------------------------------------------------------
  if (spawnSync('mkfifo', [join(dir, 'fifo.tif')]).status === 0) {
    spawnSync('mkfifo', [join(dir, 'fifo.nii')]);
    spawnSync('mkfifo', [join(dir, 'fifo.nii.gz')]);
    add('fifo.tif', 'special', 'error', undefined, 'named pipe');
    add('fifo.nii', 'special', 'error', undefined, 'named pipe');
    add('fifo.nii.gz', 'special', 'error', undefined, 'named pipe');
  } else skipped.push('FIFO cases (no mkfifo)');
  symlinkSync('/dev/zero', join(dir, 'dev-zero.tif'));
  add('dev-zero.tif', 'special', 'error', undefined, 'device');
  symlinkSync('/dev/null', join(dir, 'dev-null.nii'));
  add('dev-null.nii', 'special', 'error', undefined, 'device');
  const sock = spawnSync(PYTHON, ['-c', 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])', join(dir, 'socket.tif')]);
  if (sock.status === 0) add('socket.tif', 'special', 'error', undefined, 'socket');
  symlinkSync('loop-b.tif', join(dir, 'loop-a.tif'));
  symlinkSync('loop-a.tif', join(dir, 'loop-b.tif'));
  add('loop-a.tif', 'special', 'error');
  symlinkSync('nowhere.tif', join(dir, 'dangling.tif'));
  add('dangling.tif', 'special', 'error', undefined, 'no such file');
  mkdirSync(join(dir, 'dir.tif'));
  add('dir.tif', 'special', 'error');
  mkdirSync(join(dir, 'empty-folder'));
  add('empty-folder', 'special', 'error');

  // ---- Odd names (valid content) ----------------------------------------------------------
  const valid = seeds['seed-ij.tif'];
  for (const name of ['new\nline.tif', 'tab\tand\rcr.tif', 'esc\x1b[31mred.tif', ' spaced name .tif', '-dash.tif', 'ünïcödé-µm.tif', '%s%n%x.tif', `${'x'.repeat(240)}.tif`, "quote'\"`$(id).tif"]) {
    add(name, 'name', 'read', valid);
  }
  add('missing\nname.tif', 'name', 'error', undefined, 'no such file');
  return { cases, skipped };
}
