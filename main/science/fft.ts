/**
 * Complex 1-D and 2-D discrete Fourier transforms on top of the npm package fft.js (radix-4,
 * power-of-two sizes only). Other lengths — MRI planes are often 181 or 217 wide — go through
 * Bluestein's chirp-z algorithm, which expresses a length-n DFT as a circular convolution computed
 * with power-of-two fft.js transforms. Conventions as numpy.fft: forward unnormalised, inverse 1/n.
 */
import FFT from 'fft.js';

interface FftJs {
  size: number;
  createComplexArray(): number[];
  transform(out: number[], data: number[]): void;
  inverseTransform(out: number[], data: number[]): void;
}

function makeFftJs(n: number): FftJs {
  // fft.js ships loose typings (`any`); pin the part we use to a typed interface here.
  return new FFT(n) as unknown as FftJs;
}

const isPow2 = (n: number) => n >= 2 && (n & (n - 1)) === 0;

/** A reusable transform of one length, applied to interleaved [re, im, re, im, …] buffers. */
export class Dft1d {
  private readonly pow2?: FftJs;
  private readonly blue?: { m: FftJs; chirpRe: Float64Array; chirpIm: Float64Array; kernel: number[] };
  private readonly a: number[];
  private readonly b: number[];

  constructor(readonly n: number) {
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`DFT length must be a positive integer, got ${n}`);
    if (isPow2(n)) {
      this.pow2 = makeFftJs(n);
      this.a = this.pow2.createComplexArray();
      this.b = this.pow2.createComplexArray();
      return;
    }
    let size = 2;
    while (size < 2 * n - 1) size *= 2;
    const m = makeFftJs(size);
    const chirpRe = new Float64Array(n);
    const chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // k² mod 2n keeps the angle exact for large k.
      const ang = (-Math.PI * ((k * k) % (2 * n))) / n;
      chirpRe[k] = Math.cos(ang);
      chirpIm[k] = Math.sin(ang);
    }
    const b = m.createComplexArray();
    for (let k = 0; k < n; k++) {
      b[2 * k] = chirpRe[k];
      b[2 * k + 1] = -chirpIm[k];
      if (k > 0) {
        b[2 * (size - k)] = chirpRe[k];
        b[2 * (size - k) + 1] = -chirpIm[k];
      }
    }
    const kernel = m.createComplexArray();
    m.transform(kernel, b);
    this.blue = { m, chirpRe, chirpIm, kernel };
    this.a = m.createComplexArray();
    this.b = m.createComplexArray();
  }

  /** In-place forward (or inverse, normalised by 1/n) transform of `n` interleaved complex values. */
  run(buf: Float64Array, inverse = false): void {
    const n = this.n;
    if (n === 1) return;
    if (this.pow2) {
      for (let i = 0; i < 2 * n; i++) this.a[i] = buf[i];
      if (inverse) this.pow2.inverseTransform(this.b, this.a);
      else this.pow2.transform(this.b, this.a);
      for (let i = 0; i < 2 * n; i++) buf[i] = this.b[i];
      return;
    }
    const { m, chirpRe, chirpIm, kernel } = this.blue!;
    // The inverse is the forward transform of the conjugate, conjugated and divided by n.
    const sign = inverse ? -1 : 1;
    this.a.fill(0);
    for (let k = 0; k < n; k++) {
      const xr = buf[2 * k];
      const xi = sign * buf[2 * k + 1];
      this.a[2 * k] = xr * chirpRe[k] - xi * chirpIm[k];
      this.a[2 * k + 1] = xr * chirpIm[k] + xi * chirpRe[k];
    }
    m.transform(this.b, this.a);
    for (let i = 0; i < m.size; i++) {
      const ar = this.b[2 * i];
      const ai = this.b[2 * i + 1];
      const kr = kernel[2 * i];
      const ki = kernel[2 * i + 1];
      this.b[2 * i] = ar * kr - ai * ki;
      this.b[2 * i + 1] = ar * ki + ai * kr;
    }
    m.inverseTransform(this.a, this.b);
    const scale = inverse ? 1 / n : 1;
    for (let k = 0; k < n; k++) {
      const cr = this.a[2 * k];
      const ci = this.a[2 * k + 1];
      buf[2 * k] = scale * (cr * chirpRe[k] - ci * chirpIm[k]);
      buf[2 * k + 1] = scale * sign * (cr * chirpIm[k] + ci * chirpRe[k]);
    }
  }
}

/**
 * 2-D transform of an h×w complex image stored as interleaved row-major [re, im] pairs, in place:
 * rows first, then columns (separable).
 */
export function fft2d(buf: Float64Array, h: number, w: number, inverse = false): void {
  if (buf.length !== 2 * h * w) throw new Error(`fft2d needs ${2 * h * w} values, got ${buf.length}`);
  const row = new Dft1d(w);
  const line = new Float64Array(2 * w);
  for (let y = 0; y < h; y++) {
    line.set(buf.subarray(2 * y * w, 2 * (y + 1) * w));
    row.run(line, inverse);
    buf.set(line, 2 * y * w);
  }
  const col = new Dft1d(h);
  const cl = new Float64Array(2 * h);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      cl[2 * y] = buf[2 * (y * w + x)];
      cl[2 * y + 1] = buf[2 * (y * w + x) + 1];
    }
    col.run(cl, inverse);
    for (let y = 0; y < h; y++) {
      buf[2 * (y * w + x)] = cl[2 * y];
      buf[2 * (y * w + x) + 1] = cl[2 * y + 1];
    }
  }
}

/** Spectrum of a real h×w image (interleaved complex). */
export function realToSpectrum(img: ArrayLike<number>, h: number, w: number): Float64Array {
  const buf = new Float64Array(2 * h * w);
  for (let i = 0; i < h * w; i++) buf[2 * i] = img[i];
  fft2d(buf, h, w, false);
  return buf;
}

/** Real part of the inverse transform of a spectrum (which is consumed). */
export function spectrumToReal(spec: Float64Array, h: number, w: number): Float32Array {
  fft2d(spec, h, w, true);
  const out = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) out[i] = spec[2 * i];
  return out;
}
