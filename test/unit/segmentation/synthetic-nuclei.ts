/**
 * Seeded synthetic nuclei with exactly known masks, for segmentation tests: ellipsoids spanning
 * the stack (so neighbouring planes share their signal, as Noise2Stack needs), half of them in
 * touching pairs (so the watershed split is exercised), soft 1-px edges, a dim textured interior.
 * `noisy(photons)` draws Poisson counts with `photons` expected at the brightest signal.
 */
import { createRng } from '../../../shared/random.ts';

export interface SyntheticNuclei {
  depth: number;
  height: number;
  width: number;
  clean: Float32Array;
  labels: Uint32Array;
  count: number;
  noisy(photons: number, seed: number): Float32Array;
}

interface Nucleus {
  x: number;
  y: number;
  r: number;
  bright: number;
}

export function syntheticNuclei(opts: {
  seed: number;
  depth: number;
  height: number;
  width: number;
  pairs: number;
  singles: number;
  rMin?: number;
  rMax?: number;
  /** Brightness range of the nuclei (background 0.1); dim ones are what noise hides first. */
  brightness?: [number, number];
}): SyntheticNuclei {
  const { depth, height: h, width: w } = opts;
  const rMin = opts.rMin ?? 5;
  const rMax = opts.rMax ?? 8;
  const [bLo, bHi] = opts.brightness ?? [0.7, 1];
  const rng = createRng(opts.seed);
  const nuclei: Nucleus[] = [];
  const fits = (n: Nucleus, ignore?: Nucleus): boolean =>
    n.x - n.r > 1 && n.y - n.r > 1 && n.x + n.r < w - 2 && n.y + n.r < h - 2 &&
    nuclei.every((m) => m === ignore || Math.hypot(m.x - n.x, m.y - n.y) > m.r + n.r + 3);
  const make = (): Nucleus => ({ x: rng.next() * w, y: rng.next() * h, r: rMin + (rMax - rMin) * rng.next(), bright: bLo + (bHi - bLo) * rng.next() });
  for (let placed = 0, tries = 0; placed < opts.pairs && tries < 5000; tries++) {
    const a = make();
    const b = make();
    // b touches a: centres r_a + r_b − 2 apart, so the union has a visible neck.
    const ang = rng.next() * 2 * Math.PI;
    b.x = a.x + Math.cos(ang) * (a.r + b.r - 2);
    b.y = a.y + Math.sin(ang) * (a.r + b.r - 2);
    if (!fits(a) || !fits(b)) continue;
    nuclei.push(a, b);
    placed++;
  }
  for (let placed = 0, tries = 0; placed < opts.singles && tries < 5000; tries++) {
    const a = make();
    if (!fits(a)) continue;
    nuclei.push(a);
    placed++;
  }
  const n = depth * h * w;
  const clean = new Float32Array(n);
  const labels = new Uint32Array(n);
  const texture = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) texture[i] = 0.9 + 0.1 * rng.next();
  const rz = 0.75 * depth;
  for (let z = 0; z < depth; z++) {
    const dz = (z - (depth - 1) / 2) / rz;
    const shrink = Math.sqrt(Math.max(0, 1 - dz * dz));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = 0.1;
        let best = Infinity;
        let lab = 0;
        nuclei.forEach((m, idx) => {
          const r = m.r * shrink;
          const d = Math.hypot(x + 0.5 - m.x, y + 0.5 - m.y);
          // Soft edge over about one pixel.
          const cover = Math.min(1, Math.max(0, r - d + 0.5));
          if (cover > 0) v = Math.max(v, 0.1 + 0.9 * m.bright * cover * texture[y * w + x]!);
          if (d < r && d / r < best) {
            best = d / r;
            lab = idx + 1;
          }
        });
        clean[z * h * w + y * w + x] = v;
        labels[z * h * w + y * w + x] = lab;
      }
    }
  }
  return {
    depth,
    height: h,
    width: w,
    clean,
    labels,
    count: nuclei.length,
    noisy(photons: number, seed: number): Float32Array {
      const r = createRng(seed);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = r.poisson(photons * clean[i]!);
      return out;
    },
  };
}
