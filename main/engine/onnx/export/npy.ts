/**
 * NumPy's .npy format, version 1.0 (numpy.lib.format): magic "\x93NUMPY", version, a little-endian
 * uint16 header length, then an ASCII dict literal padded with spaces to a multiple of 64 bytes and
 * ending in "\n", then the raw C-order data. bioimage.io test tensors must be .npy files.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function encodeNpyFloat32(data: Float32Array, shape: number[]): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`npy: shape [${shape}] needs ${size} values, got ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(MAGIC.length + 4 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1; // major version
  out[7] = 0; // minor version
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // Float32Array is little-endian on every platform we ship for.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Reads a float32 little-endian C-order .npy (what encodeNpyFloat32 writes, and numpy.save). */
export function decodeNpyFloat32(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw new Error('not an .npy file');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + hlen));
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`npy: only little-endian float32 is supported (${header.trim()})`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('npy: Fortran order is not supported');
  const m = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!m) throw new Error('npy: header has no shape');
  const shape = m[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const size = shape.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(start + hlen, start + hlen + size * 4);
  if (body.length !== size * 4) throw new Error('npy: file is shorter than its shape');
  const data = new Float32Array(size);
  new Uint8Array(data.buffer).set(body);
  return { shape, data };
}
