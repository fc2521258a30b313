/**
 * A minimal 8-bit greyscale PNG encoder (IHDR, one zlib IDAT, IEND) for the study report's
 * preview images; node:zlib does the compression, so only the chunk framing and CRC live here.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Greyscale PNG of a row-major image, values mapped linearly from [lo, hi] to 0…255 (clipped). */
export function encodeGreyPng(values: ArrayLike<number>, height: number, width: number, lo: number, hi: number): Buffer {
  const raw = Buffer.alloc(height * (width + 1));
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter type: none
    for (let x = 0; x < width; x++) {
      const v = Math.round((values[y * width + x] - lo) * scale);
      raw[y * (width + 1) + 1 + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}
