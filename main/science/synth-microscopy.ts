/**
 * Seeded synthetic widefield fluorescence z-stacks of stained nuclei, standing in for the paper's
 * Hoechst data (docs/method.md §8: 10 focal planes 2 µm apart, 20 ms vs 100 ms exposure).
 *
 * Image formation, in this order:
 *  1. Nuclei are textured 3-D ellipsoids lying in a monolayer around the focal plane `focusPlane`.
 *  2. Each plane of the stack images the sample's optical sections: the section at the plane itself
 *     sharply (sigma0) and every other section blurred more the further it lies (widefield defocus,
 *     sigma0 + defocusPerMicron·|Δz|, down-weighted by `haze`). So planes far from the nuclei only
 *     see blurred haze — the marginal planes are the hardest, as in the paper.
 *  3. Photon counts scale with exposure time: Poisson(t·(rate·signal + autofluorescence)), plus
 *     Gaussian read noise, times the camera gain, plus the camera's fixed background pattern
 *     (per-pixel dark offsets and column stripes, identical in every image of the same camera,
 *     whatever the stack's seed; docs/method.md §5).
 *
 * `clean` is the noiseless signal part of the high exposure (gain·tHigh·rate·signal), without
 * autofluorescence, offset or pattern; `labels` are the nucleus ids whose ellipsoid contains each
 * voxel (0 = background), the ground truth for segmentation.
 */
import { createRng, type Rng } from '../../shared/random.ts';
import { makeStack, type Stack } from '../../shared/stack.ts';
import { gaussianFilter2d } from '../../shared/metrics/gaussian-filter.ts';
import { axesFor, type ChannelMeta, type Hyperstack, type HyperstackMeta } from '../../shared/hyperstack.ts';

export interface MicroscopyOptions {
  seed: number;
  depth?: number;
  height?: number;
  width?: number;
  /** Number of nuclei; default fills about a third of the field. */
  nuclei?: number;
  /** Plane (may be fractional) around which the nuclei monolayer is centred. */
  focusPlane?: number;
  /** Plane spacing in µm. */
  spacing?: number;
  /** Lateral pixel size in µm. */
  pixelSize?: number;
  /** Nucleus radius range in the plane, µm. */
  nucleusRadius?: [number, number];
  /** Nucleus half-thickness range along z, µm. */
  nucleusHalfDepth?: [number, number];
  /** In-focus blur (px) and its growth per µm of defocus (px/µm). */
  sigma0?: number;
  defocusPerMicron?: number;
  /** Weight of out-of-focus sections relative to the in-focus one. */
  haze?: number;
  lowExposureMs?: number;
  highExposureMs?: number;
  /** Photons per ms at signal 1 (the brightest chromatin). */
  photonsPerMs?: number;
  /** Autofluorescence / stray light, photons per ms per pixel. */
  autofluorescencePerMs?: number;
  /** Camera read noise (electrons, s.d.), gain (ADU per electron), offset (ADU). */
  readNoise?: number;
  gain?: number;
  offset?: number;
  /** Amplitude (ADU) of the fixed camera pattern. */
  patternAmplitude?: number;
  /**
   * Seed of the camera's fixed pattern. One camera takes every image, so by default all stacks
   * share one pattern whatever their `seed` (which is what lets a per-pixel median over many
   * images estimate and remove it, docs/method.md §5).
   */
  cameraSeed?: number;
}

export interface MicroscopyStacks {
  low: Stack;
  high: Stack;
  clean: Stack;
  labels: Stack;
  /** The camera's fixed background pattern (one plane, ADU), offset included. */
  background: Float32Array;
}

interface Nucleus {
  x: number;
  y: number;
  /** Centre along z in µm, from plane 0. */
  zUm: number;
  rx: number;
  ry: number;
  rzUm: number;
  angle: number;
  brightness: number;
}

const DEFAULTS = {
  depth: 10,
  height: 128,
  width: 128,
  spacing: 2,
  pixelSize: 0.65,
  nucleusRadius: [4, 7] as [number, number],
  nucleusHalfDepth: [3.5, 5] as [number, number],
  sigma0: 0.8,
  defocusPerMicron: 0.9,
  haze: 0.45,
  lowExposureMs: 20,
  highExposureMs: 100,
  photonsPerMs: 2.5,
  autofluorescencePerMs: 0.15,
  readNoise: 1.6,
  gain: 1,
  offset: 100,
  patternAmplitude: 6,
};

export function generateMicroscopy(options: MicroscopyOptions): MicroscopyStacks {
  const o = { ...DEFAULTS, ...options };
  const { depth, height: h, width: w } = o;
  if (!(depth >= 1 && h >= 8 && w >= 8)) throw new Error(`microscopy stack must be at least 1×8×8, got ${depth}×${h}×${w}`);
  const focus = o.focusPlane ?? (depth - 1) / 2;
  const rng = createRng(o.seed);
  // Independent streams: changing the noise never moves the nuclei, and low/high noise differ.
  const layoutRng = rng.fork();
  const textureRng = rng.fork();
  // This fork once drew the camera pattern; it is kept so the streams after it stay unchanged.
  rng.fork();
  const patternRng = createRng((o.cameraSeed ?? 0) ^ 0x0ca3e7a);
  const lowRng = rng.fork();
  const highRng = rng.fork();

  const nuclei = placeNuclei(layoutRng, o, focus, h, w);
  const texture = chromatinTexture(textureRng, h, w);
  const sections = new Array<Float64Array>(depth);
  const labels = new Float32Array(depth * h * w);
  for (let z = 0; z < depth; z++) sections[z] = renderSection(nuclei, texture, z * o.spacing, z, h, w, labels);

  const signal = widefield(sections, o, h, w);

  const background = cameraPattern(patternRng, h, w, o.offset, o.patternAmplitude);
  const low = expose(signal, background, o, o.lowExposureMs, lowRng);
  const high = expose(signal, background, o, o.highExposureMs, highRng);
  const clean = new Float32Array(depth * h * w);
  const scale = o.gain * o.highExposureMs * o.photonsPerMs;
  for (let i = 0; i < clean.length; i++) clean[i] = scale * signal[i];

  const voxelSize = { z: o.spacing, y: o.pixelSize, x: o.pixelSize, unit: 'micron' };
  const meta = (what: string, dtype: 'uint16' | 'float32') => ({
    name: `synthetic microscopy ${what} (seed ${o.seed})`,
    flavour: 'synthetic' as const,
    dtype,
    voxelSize,
    description: `synthetic widefield nuclei stack, ${what}; generated by n2s (seed ${o.seed})`,
  });
  return {
    low: makeStack(depth, h, w, low, meta(`low exposure ${o.lowExposureMs} ms`, 'uint16')),
    high: makeStack(depth, h, w, high, meta(`high exposure ${o.highExposureMs} ms`, 'uint16')),
    clean: makeStack(depth, h, w, clean, meta('clean', 'float32')),
    labels: makeStack(depth, h, w, labels, meta('nucleus labels', 'uint16')),
    background,
  };
}

type Resolved = typeof DEFAULTS & MicroscopyOptions;

/** Widefield image of optical sections: each plane sees its own section sharp, the others blurred by defocus. */
function widefield(sections: Float64Array[], o: Resolved, h: number, w: number): Float32Array {
  const depth = sections.length;
  const signal = new Float32Array(depth * h * w);
  for (let z = 0; z < depth; z++) {
    const acc = new Float64Array(h * w);
    for (let j = 0; j < depth; j++) {
      const dzUm = Math.abs(z - j) * o.spacing;
      const weight = j === z ? 1 : o.haze;
      const blurred = gaussianFilter2d(sections[j], h, w, o.sigma0 + o.defocusPerMicron * dzUm, 3);
      for (let i = 0; i < h * w; i++) acc[i] += weight * blurred[i];
    }
    signal.set(acc, z * h * w);
  }
  return signal;
}

/** Camera counts (ADU) of one exposure of `signal`: Poisson photons, read noise, gain, fixed pattern. */
function expose(signal: Float32Array, background: Float32Array, o: Resolved, ms: number, r: Rng): Float32Array {
  const n = background.length;
  const out = new Float32Array(signal.length);
  for (let i = 0; i < out.length; i++) {
    const photons = r.poisson(ms * (o.photonsPerMs * signal[i] + o.autofluorescencePerMs));
    const adu = o.gain * (photons + o.readNoise * r.normal()) + background[i % n];
    out[i] = Math.min(65535, Math.max(0, Math.round(adu)));
  }
  return out;
}

/** Non-overlapping (in the plane) nuclei by rejection sampling, centred around the focus. */
function placeNuclei(rng: Rng, o: Resolved, focus: number, h: number, w: number): Nucleus[] {
  const [rMin, rMax] = o.nucleusRadius.map((r) => r / o.pixelSize);
  const meanArea = Math.PI * ((rMin + rMax) / 2) ** 2;
  const target = o.nuclei ?? Math.max(1, Math.round((0.33 * h * w) / meanArea));
  const out: Nucleus[] = [];
  for (let attempt = 0; attempt < target * 200 && out.length < target; attempt++) {
    const rx = rMin + (rMax - rMin) * rng.next();
    const ry = rx * (0.7 + 0.3 * rng.next());
    const x = rng.next() * w;
    const y = rng.next() * h;
    const clash = out.some((n) => Math.hypot(n.x - x, n.y - y) < 0.9 * (Math.max(n.rx, n.ry) + rx));
    if (clash) continue;
    out.push({
      x,
      y,
      rx,
      ry,
      // Cells in a monolayer sit at slightly different heights (±1 µm).
      zUm: focus * o.spacing + (rng.next() * 2 - 1) * 1.0,
      rzUm: o.nucleusHalfDepth[0] + (o.nucleusHalfDepth[1] - o.nucleusHalfDepth[0]) * rng.next(),
      angle: rng.next() * Math.PI,
      brightness: 0.55 + 0.45 * rng.next(),
    });
  }
  return out;
}

/** Chromatin-like texture: blurred white noise around 1 (fine and coarse scales). */
function chromatinTexture(rng: Rng, h: number, w: number): Float64Array {
  const fine = new Float64Array(h * w);
  const coarse = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) {
    fine[i] = rng.normal();
    coarse[i] = rng.normal();
  }
  const f = gaussianFilter2d(fine, h, w, 1.2, 3);
  const c = gaussianFilter2d(coarse, h, w, 4, 3);
  const sd = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length) || 1;
  const sf = sd(f);
  const sc = sd(c);
  const out = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) out[i] = Math.max(0.2, 1 + 0.22 * (f[i] / sf) + 0.15 * (c[i] / sc));
  return out;
}

/**
 * The optical section at height zUm: each nucleus's ellipse cross-section, brighter towards its
 * centre, times the texture. Writes the nucleus id (nearest centre wins) into `labels` plane z.
 */
function renderSection(
  nuclei: Nucleus[],
  texture: Float64Array,
  zUm: number,
  z: number,
  h: number,
  w: number,
  labels: Float32Array,
): Float64Array {
  const out = new Float64Array(h * w);
  const best = new Float64Array(h * w).fill(Infinity);
  nuclei.forEach((n, idx) => {
    const dz = (zUm - n.zUm) / n.rzUm;
    if (Math.abs(dz) >= 1) return;
    const shrink = Math.sqrt(1 - dz * dz);
    const ax = n.rx * shrink;
    const ay = n.ry * shrink;
    const rBox = Math.ceil(Math.max(ax, ay)) + 1;
    const c = Math.cos(n.angle);
    const s = Math.sin(n.angle);
    for (let y = Math.max(0, Math.floor(n.y - rBox)); y <= Math.min(h - 1, Math.ceil(n.y + rBox)); y++) {
      for (let x = Math.max(0, Math.floor(n.x - rBox)); x <= Math.min(w - 1, Math.ceil(n.x + rBox)); x++) {
        const px = x + 0.5 - n.x;
        const py = y + 0.5 - n.y;
        const u = (c * px + s * py) / ax;
        const v = (-s * px + c * py) / ay;
        const r2 = u * u + v * v;
        if (r2 >= 1) continue;
        const i = y * w + x;
        // Edge slightly brighter than the interior as in Hoechst stains (nuclear envelope rim).
        out[i] += n.brightness * texture[i] * (0.8 + 0.25 * r2);
        if (r2 < best[i]) {
          best[i] = r2;
          labels[z * h * w + i] = idx + 1;
        }
      }
    }
  });
  return out;
}

/** Fixed-pattern camera background: offset + per-pixel dark offsets + column stripes (ADU). */
function cameraPattern(rng: Rng, h: number, w: number, offset: number, amplitude: number): Float32Array {
  const cols = new Float64Array(w);
  for (let x = 0; x < w; x++) cols[x] = rng.normal();
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // A slow vertical gradient as from uneven sensor warm-up, plus stripes and pixel offsets.
      const ramp = 0.5 * amplitude * (y / Math.max(1, h - 1) - 0.5);
      out[y * w + x] = offset + ramp + 0.6 * amplitude * cols[x] + 0.5 * amplitude * rng.normal();
    }
  }
  return out;
}

export interface MicroscopyHyperstackOptions extends MicroscopyOptions {
  /** 1 (nuclei) or 2 (nuclei and membranes). */
  channels?: number;
  /** Time points. */
  times?: number;
  /** Drift of the whole field between consecutive frames, pixels (slow: well under a nucleus). */
  driftPerFrame?: number;
  /** Time between frames, seconds. */
  frameIntervalS?: number;
}

export interface MicroscopyHyperstacks {
  low: Hyperstack;
  high: Hyperstack;
  clean: Hyperstack;
}

const CHANNELS: ChannelMeta[] = [
  { name: 'nuclei', color: '00FFFF' },
  { name: 'membranes', color: 'FF00FF' },
];

/**
 * A synthetic multi-channel time-lapse (TCZYX): channel 0 the stained nuclei of
 * generateMicroscopy, channel 1 the cell membranes around them (a thin shell 1.7× the nucleus),
 * the field drifting slowly and steadily between frames. Every frame and channel has independent
 * camera noise at the low and the high exposure (the reference); `clean` is the noiseless signal
 * of the high exposure. Labelled synthetic in the name and description.
 */
export function generateMicroscopyHyperstack(options: MicroscopyHyperstackOptions): MicroscopyHyperstacks {
  const o = { ...DEFAULTS, ...options };
  const C = options.channels ?? 2;
  const T = options.times ?? 3;
  const drift = options.driftPerFrame ?? 0.5;
  const { depth, height: h, width: w } = o;
  if (!(C === 1 || C === 2)) throw new Error(`channels must be 1 or 2, got ${C}`);
  if (!(Number.isInteger(T) && T >= 1)) throw new Error(`times must be a positive integer, got ${T}`);
  if (!(depth >= 1 && h >= 8 && w >= 8)) throw new Error(`microscopy stack must be at least 1×8×8, got ${depth}×${h}×${w}`);
  const focus = o.focusPlane ?? (depth - 1) / 2;
  const rng = createRng(o.seed ^ 0x7e5a);
  const layoutRng = rng.fork();
  const textureRng = rng.fork();
  const noiseRng = rng.fork();
  const angle = rng.next() * 2 * Math.PI;
  const nuclei = placeNuclei(layoutRng, o, focus, h, w);
  const texture = chromatinTexture(textureRng, h, w);
  const background = cameraPattern(createRng((o.cameraSeed ?? 0) ^ 0x0ca3e7a), h, w, o.offset, o.patternAmplitude);
  const n = depth * h * w;
  const low = new Float32Array(T * C * n);
  const high = new Float32Array(T * C * n);
  const clean = new Float32Array(T * C * n);
  const scale = o.gain * o.highExposureMs * o.photonsPerMs;
  const scratch = new Float32Array(n);
  for (let t = 0; t < T; t++) {
    const moved = nuclei.map((nu) => ({ ...nu, x: nu.x + t * drift * Math.cos(angle), y: nu.y + t * drift * Math.sin(angle) }));
    for (let c = 0; c < C; c++) {
      const sections: Float64Array[] = [];
      for (let z = 0; z < depth; z++) {
        sections.push(c === 0 ? renderSection(moved, texture, z * o.spacing, z, h, w, scratch) : renderMembranes(moved, z * o.spacing, h, w));
      }
      const signal = widefield(sections, o, h, w);
      const at = (t * C + c) * n;
      low.set(expose(signal, background, o, o.lowExposureMs, noiseRng.fork()), at);
      high.set(expose(signal, background, o, o.highExposureMs, noiseRng.fork()), at);
      for (let i = 0; i < n; i++) clean[at + i] = scale * signal[i];
    }
  }
  const meta = (what: string, dtype: 'uint16' | 'float32'): HyperstackMeta => ({
    name: `synthetic microscopy time-lapse ${what} (seed ${o.seed})`,
    flavour: 'synthetic',
    dtype,
    times: T,
    channels: C,
    depth,
    height: h,
    width: w,
    order: 'TZC',
    axes: axesFor('TZC', { times: T, channels: C, depth }),
    voxelSize: { z: o.spacing, y: o.pixelSize, x: o.pixelSize, unit: 'micron' },
    ...(T > 1 ? { timeIncrement: { value: options.frameIntervalS ?? 60, unit: 's' } } : {}),
    channelMeta: CHANNELS.slice(0, C).map((ch) => ({ ...ch })),
    description: `synthetic widefield ${C === 2 ? 'nuclei + membranes' : 'nuclei'} time-lapse, ${what}; drift ${drift} px/frame; generated by n2s (seed ${o.seed})`,
  });
  return {
    low: { meta: meta(`low exposure ${o.lowExposureMs} ms`, 'uint16'), data: low },
    high: { meta: meta(`high exposure ${o.highExposureMs} ms`, 'uint16'), data: high },
    clean: { meta: meta('clean', 'float32'), data: clean },
  };
}

/** The membrane section at height zUm: a thin elliptical shell around each nucleus (cell outline). */
function renderMembranes(nuclei: Nucleus[], zUm: number, h: number, w: number): Float64Array {
  const out = new Float64Array(h * w);
  const grow = 1.7;
  const thickness = 1.2;
  for (const n of nuclei) {
    const dz = (zUm - n.zUm) / (n.rzUm * 1.3);
    if (Math.abs(dz) >= 1) continue;
    const shrink = Math.sqrt(1 - dz * dz);
    const ax = n.rx * grow * shrink;
    const ay = n.ry * grow * shrink;
    const rBox = Math.ceil(Math.max(ax, ay) + thickness) + 1;
    const c = Math.cos(n.angle);
    const s = Math.sin(n.angle);
    for (let y = Math.max(0, Math.floor(n.y - rBox)); y <= Math.min(h - 1, Math.ceil(n.y + rBox)); y++) {
      for (let x = Math.max(0, Math.floor(n.x - rBox)); x <= Math.min(w - 1, Math.ceil(n.x + rBox)); x++) {
        const px = x + 0.5 - n.x;
        const py = y + 0.5 - n.y;
        const u = (c * px + s * py) / ax;
        const v = (-s * px + c * py) / ay;
        // Distance to the ellipse in pixels, approximately (radial offset × mean radius).
        const d = Math.abs(Math.sqrt(u * u + v * v) - 1) * ((ax + ay) / 2);
        if (d < thickness) out[y * w + x] += 0.6 * n.brightness * (1 - d / thickness);
      }
    }
  }
  return out;
}
