/**
 * NIfTI-1 (.nii, .nii.gz) volumes, the MRI format. Spec: https://nifti.nimh.nih.gov/nifti-1
 * (nifti1.h). Voxel (i,j,k) is stored with i fastest; we map k → Z, j → Y, i → X and keep the
 * index order as stored (no reorientation to RAS: denoising does not depend on it, and writing
 * back keeps the original header geometry).
 */
import { basename, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { DType, StackMeta } from '../../shared/stack.ts';
import { StackFileError, asStackFileError } from './errors.ts';
import { openInputFile } from './output-path.ts';
import { checkFinite, selectIndex } from './select.ts';
import type { ReadOptions, StackInfo, StackSource } from './types.ts';


interface NiftiType {
  bytes: number;
  dtype: DType;
  read: (b: Buffer, pos: number, le: boolean) => number;
}

/** NIfTI datatype codes (nifti1.h DT_*) we read; complex and RGB types are refused. */
const TYPES: Record<number, NiftiType> = {
  2: { bytes: 1, dtype: 'uint8', read: (b, p) => b.readUInt8(p) },
  4: { bytes: 2, dtype: 'int16', read: (b, p, le) => (le ? b.readInt16LE(p) : b.readInt16BE(p)) },
  8: { bytes: 4, dtype: 'int32', read: (b, p, le) => (le ? b.readInt32LE(p) : b.readInt32BE(p)) },
  16: { bytes: 4, dtype: 'float32', read: (b, p, le) => (le ? b.readFloatLE(p) : b.readFloatBE(p)) },
  64: { bytes: 8, dtype: 'float64', read: (b, p, le) => (le ? b.readDoubleLE(p) : b.readDoubleBE(p)) },
  256: { bytes: 1, dtype: 'int16', read: (b, p) => b.readInt8(p) },
  512: { bytes: 2, dtype: 'uint16', read: (b, p, le) => (le ? b.readUInt16LE(p) : b.readUInt16BE(p)) },
  768: { bytes: 4, dtype: 'uint32', read: (b, p, le) => (le ? b.readUInt32LE(p) : b.readUInt32BE(p)) },
};
const REFUSED: Record<number, string> = { 32: 'complex64', 128: 'RGB24', 1792: 'complex128', 2048: 'complex256', 2304: 'RGBA32', 1024: 'int64', 1280: 'uint64', 1536: 'float128' };

export interface NiftiHeader {
  littleEndian: boolean;
  dims: number[];
  type: NiftiType;
  datatype: number;
  pixdim: number[];
  voxOffset: number;
  slope: number;
  inter: number;
  unit: string;
  description: string;
  /** The raw 348-byte header, kept so a NIfTI written back carries the original geometry. */
  raw: Buffer;
}

export function isNiftiPath(p: string): boolean {
  return /\.nii(\.gz)?$/i.test(p);
}

export function parseNiftiHeader(path: string, h: Buffer, dataBytes: number): NiftiHeader {
  if (h.length < 348) throw new StackFileError(path, `NIfTI header truncated (${h.length} of 348 bytes)`);
  const sizeLE = h.readInt32LE(0);
  const sizeBE = h.readInt32BE(0);
  if (sizeLE !== 348 && sizeBE !== 348) {
    if (sizeLE === 540 || sizeBE === 540) throw new StackFileError(path, 'is NIfTI-2; only NIfTI-1 is supported (convert with nibabel or FSL)');
    throw new StackFileError(path, 'not a NIfTI-1 file (sizeof_hdr is not 348)');
  }
  const le = sizeLE === 348;
  const i16 = (p: number) => (le ? h.readInt16LE(p) : h.readInt16BE(p));
  const f32 = (p: number) => (le ? h.readFloatLE(p) : h.readFloatBE(p));
  const magic = h.toString('latin1', 344, 347);
  if (magic === 'ni1') throw new StackFileError(path, 'is a NIfTI .hdr/.img pair; only single-file .nii/.nii.gz is supported');
  if (magic !== 'n+1') throw new StackFileError(path, `NIfTI magic is "${magic.replace(/[^\x20-\x7e]/g, '?')}", expected "n+1"`);
  const ndim = i16(40);
  if (ndim < 1 || ndim > 7) throw new StackFileError(path, `NIfTI declares ${ndim} dimensions (1–7 allowed)`);
  const dims: number[] = [];
  for (let k = 1; k <= 7; k++) dims.push(k <= ndim ? i16(40 + 2 * k) : 1);
  if (dims.some((d) => d < 1)) throw new StackFileError(path, `NIfTI declares a dimension of size ${Math.min(...dims)} (zero planes or a corrupt header)`);
  if (dims.slice(4).some((d) => d > 1)) throw new StackFileError(path, `NIfTI has ${ndim} dimensions with sizes ${dims.slice(0, ndim).join('×')}; at most 4 (x, y, z, t) are supported`);
  const datatype = i16(70);
  if (REFUSED[datatype]) throw new StackFileError(path, `NIfTI datatype ${REFUSED[datatype]} is not supported (use a real-valued grayscale volume)`);
  const type = TYPES[datatype];
  if (!type) throw new StackFileError(path, `unknown NIfTI datatype code ${datatype}`);
  const pixdim: number[] = [];
  for (let k = 0; k < 8; k++) pixdim.push(f32(76 + 4 * k));
  const voxOffset = Math.max(352, Math.floor(f32(108)));
  let slope = f32(112);
  let inter = f32(116);
  // nifti1.h: scl_slope = 0 means "no scaling"; non-finite values are corrupt, ignore them too.
  if (!Number.isFinite(slope) || slope === 0) {
    slope = 1;
    inter = 0;
  }
  if (!Number.isFinite(inter)) inter = 0;
  const units = h.readUInt8(123) & 0x07;
  const unit = ({ 1: 'm', 2: 'mm', 3: 'micron' } as Record<number, string>)[units] ?? 'mm';
  const need = voxOffset + dims[0] * dims[1] * dims[2] * dims[3] * type.bytes;
  if (need > dataBytes) {
    throw new StackFileError(path, `NIfTI declares ${dims.slice(0, 4).join('×')} voxels (${need} bytes) but holds ${dataBytes} bytes; the file is truncated or the header is wrong`);
  }
  const description = h.toString('latin1', 148, 228).replace(/\0[\s\S]*$/, '').trim();
  return { littleEndian: le, dims, type, datatype, pixdim, voxOffset, slope, inter, unit, description, raw: Buffer.from(h.subarray(0, 348)) };
}

function infoOf(path: string, hdr: NiftiHeader): StackInfo {
  const [nx, ny, nz, nt] = hdr.dims;
  const pd = (k: number) => (Number.isFinite(hdr.pixdim[k]) && hdr.pixdim[k] > 0 ? Math.abs(hdr.pixdim[k]) : 1);
  const scaled = hdr.slope !== 1 || hdr.inter !== 0;
  return {
    path,
    flavour: 'nifti',
    axes: nt > 1 ? 'TZYX' : 'ZYX',
    shape: nt > 1 ? [nt, nz, ny, nx] : [nz, ny, nx],
    dtype: scaled ? 'float32' : hdr.type.dtype,
    voxelSize: { x: pd(1), y: pd(2), z: pd(3), unit: hdr.unit },
    channels: 1,
    times: nt,
    depth: nz,
    height: ny,
    width: nx,
    description: hdr.description || undefined,
    details: {
      datatype: `${hdr.type.dtype} (code ${hdr.datatype})`,
      byteOrder: hdr.littleEndian ? 'little-endian' : 'big-endian',
      scaling: scaled ? `value × ${hdr.slope} + ${hdr.inter}` : 'none',
      compressed: isGz(path),
    },
  };
}

const isGz = (p: string) => /\.gz$/i.test(p);

/** A NIfTI file's bytes: the whole file for .nii.gz (gzip has no random access), else lazily. */
export interface NiftiBytes {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** Bytes a NIfTI file needs according to its header (Infinity if the header is unreadable). */
function declaredBytes(h: Buffer): number {
  if (h.length < 348) return Infinity;
  const le = h.readInt32LE(0) === 348;
  if (!le && h.readInt32BE(0) !== 348) return Infinity;
  const i16 = (p: number) => (le ? h.readInt16LE(p) : h.readInt16BE(p));
  const ndim = i16(40);
  let n = TYPES[i16(70)]?.bytes ?? 0;
  for (let k = 1; k <= Math.min(7, Math.max(0, ndim)); k++) n *= Math.max(0, i16(40 + 2 * k));
  const vox = le ? h.readFloatLE(108) : h.readFloatBE(108);
  return Math.max(352, Number.isFinite(vox) ? Math.floor(vox) : 352) + n;
}

/**
 * Inflates a .nii.gz only as far as its header says the data go: a corrupt or hostile stream
 * cannot inflate without bound, and trailing bytes are not waited for.
 */
async function gunzipNifti(path: string, limit = Infinity): Promise<Buffer> {
  const file = (await openInputFile(path)).createReadStream();
  const gz = createGunzip();
  file.on('error', (e) => gz.destroy(e));
  file.pipe(gz);
  const chunks: Buffer[] = [];
  let total = 0;
  let need = limit;
  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      total += chunk.length;
      if (need === Infinity && limit === Infinity && total >= 348) {
        need = declaredBytes(Buffer.concat(chunks));
        // An unreadable header is reported by parseNiftiHeader; nothing more is needed for that.
        if (need === Infinity) need = total;
      }
      if (total >= need) break;
    }
  } catch (e) {
    throw asStackFileError(path, e, 'gzip data fail to decompress');
  } finally {
    file.destroy();
    gz.destroy();
  }
  const all = Buffer.concat(chunks);
  return total > need ? all.subarray(0, need) : all;
}

export async function niftiBytes(path: string): Promise<NiftiBytes> {
  if (isGz(path)) {
    const data = await gunzipNifti(path);
    return { size: data.length, read: async (o, n) => data.subarray(o, o + n), close: async () => {} };
  }
  const fh = await openInputFile(path);
  const size = (await fh.stat()).size;
  return {
    size,
    read: async (o, n) => {
      const b = Buffer.alloc(n);
      const { bytesRead } = await fh.read(b, 0, n, o);
      if (bytesRead !== n) throw new StackFileError(path, `short read at byte ${o}`);
      return b;
    },
    close: () => fh.close(),
  };
}

export async function probeNifti(path: string): Promise<StackInfo> {
  const abs = resolve(path);
  if (isGz(abs)) {
    // Only the header is inflated; whether the data are complete is checked when they are read.
    const head = await gunzipNifti(abs, 352);
    return infoOf(abs, parseNiftiHeader(abs, head, Infinity));
  }
  const bytes = await niftiBytes(abs);
  try {
    return infoOf(abs, parseNiftiHeader(abs, await bytes.read(0, Math.min(352, bytes.size)), bytes.size));
  } finally {
    await bytes.close();
  }
}

export async function openNifti(path: string, opts: ReadOptions = {}): Promise<StackSource & { header: NiftiHeader }> {
  const abs = resolve(path);
  const bytes = await niftiBytes(abs);
  try {
    const header = parseNiftiHeader(abs, await bytes.read(0, Math.min(352, bytes.size)), bytes.size);
    const info = infoOf(abs, header);
    if (opts.channel !== undefined) selectIndex(abs, 1, opts.channel, 'channel', '--channel');
    const t = selectIndex(abs, info.times, opts.time, 'time point', '--time');
    const [nx, ny, nz] = header.dims;
    const planeBytes = nx * ny * header.type.bytes;
    const meta: StackMeta = {
      name: basename(abs),
      sourcePath: abs,
      dtype: info.dtype,
      voxelSize: info.voxelSize,
      flavour: 'nifti',
      sourceAxes: info.axes,
      sourceShape: info.shape,
      ...(info.times > 1 || opts.time !== undefined ? { time: t } : {}),
      ...(info.description ? { description: info.description } : {}),
    };
    return {
      depth: nz,
      height: ny,
      width: nx,
      meta,
      header,
      async readPlane(z: number): Promise<Float32Array> {
        if (!Number.isInteger(z) || z < 0 || z >= nz) throw new StackFileError(abs, `plane ${z} does not exist (depth ${nz})`);
        const b = await bytes.read(header.voxOffset + (t * nz + z) * planeBytes, planeBytes);
        const out = new Float32Array(nx * ny);
        const { read, bytes: n } = header.type;
        const le = header.littleEndian;
        for (let i = 0; i < out.length; i++) out[i] = read(b, i * n, le) * header.slope + header.inter;
        if (!opts.allowNonFinite && info.dtype.startsWith('float')) checkFinite(abs, z, out);
        return out;
      },
      close: () => bytes.close(),
    };
  } catch (e) {
    await bytes.close();
    throw e;
  }
}

/**
 * A NIfTI-1 file for a ZYX stack as float32 (or the given integer type), little-endian. When the
 * stack came from a NIfTI file its header is the template, so orientation (qform/sform) survives.
 */
export function encodeNifti(
  stack: { depth: number; height: number; width: number; voxel: { x: number; y: number; z: number; unit: string }; description?: string },
  planes: Float32Array[],
  dtype: 'float32' | 'int16' | 'uint8' | 'uint16',
  template?: Buffer,
): { bytes: Buffer; clipped: number } {
  const code = { float32: 16, int16: 4, uint8: 2, uint16: 512 }[dtype];
  const size = { float32: 4, int16: 2, uint8: 1, uint16: 2 }[dtype];
  const h = Buffer.alloc(352);
  if (template && template.length >= 348 && template.readInt32LE(0) === 348) template.copy(h, 0, 0, 348);
  h.writeInt32LE(348, 0);
  for (let k = 0; k < 8; k++) h.writeInt16LE(0, 40 + 2 * k);
  h.writeInt16LE(3, 40);
  h.writeInt16LE(stack.width, 42);
  h.writeInt16LE(stack.height, 44);
  h.writeInt16LE(stack.depth, 46);
  for (let k = 4; k <= 7; k++) h.writeInt16LE(1, 40 + 2 * k);
  h.writeInt16LE(code, 70);
  h.writeInt16LE(size * 8, 72);
  if (!template) h.writeFloatLE(1, 76);
  h.writeFloatLE(stack.voxel.x, 80);
  h.writeFloatLE(stack.voxel.y, 84);
  h.writeFloatLE(stack.voxel.z, 88);
  h.writeFloatLE(352, 108);
  h.writeFloatLE(1, 112);
  h.writeFloatLE(0, 116);
  const unitCode = ({ m: 1, mm: 2, micron: 3 } as Record<string, number>)[stack.voxel.unit] ?? 0;
  h.writeUInt8((h.readUInt8(123) & 0x38) | unitCode, 123);
  if (stack.description !== undefined) {
    h.fill(0, 148, 228);
    h.write(stack.description.slice(0, 79), 148, 'latin1');
  }
  h.write('n+1\0', 344, 'latin1');
  const n = stack.width * stack.height;
  const data = Buffer.alloc(planes.length * n * size);
  let clipped = 0;
  const [lo, hi] = { float32: [-Infinity, Infinity], int16: [-32768, 32767], uint8: [0, 255], uint16: [0, 65535] }[dtype];
  planes.forEach((p, z) => {
    for (let i = 0; i < n; i++) {
      const at = (z * n + i) * size;
      if (dtype === 'float32') {
        data.writeFloatLE(p[i], at);
        continue;
      }
      let v = Math.round(p[i]);
      if (!(v >= lo)) {
        if (v !== lo) clipped++;
        v = lo;
      } else if (v > hi) {
        clipped++;
        v = hi;
      }
      if (dtype === 'uint8') data.writeUInt8(v, at);
      else if (dtype === 'int16') data.writeInt16LE(v, at);
      else data.writeUInt16LE(v, at);
    }
  });
  return { bytes: Buffer.concat([h, data]), clipped };
}
