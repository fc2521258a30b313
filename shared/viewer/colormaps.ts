/**
 * Colormaps for image layers. The perceptual maps (viridis, magma, inferno) and the diverging map
 * (matplotlib's RdBu_r: blue < 0 < red, near-white at the centre, as used for difference images)
 * are stored as 33 evenly spaced control colours sampled from matplotlib 3.6 and interpolated
 * linearly; the error against matplotlib's 256-entry tables is below 2/255 per channel.
 * Single-hue maps (green, magenta, …) ramp from black to the hue, so additive blending of
 * several of them composes like fluorescence channels.
 */
export const COLORMAP_NAMES = [
  'gray',
  'viridis',
  'magma',
  'inferno',
  'green',
  'magenta',
  'cyan',
  'red',
  'blue',
  'diverging',
] as const;
export type ColormapName = (typeof COLORMAP_NAMES)[number];

export type RGB = [number, number, number];

const SAMPLED: Record<'viridis' | 'magma' | 'inferno' | 'diverging', string> = {
  viridis:
    '440154470d6048186a482374472d7b4537814240863e49893b528b375b8d33638d2f6b8e2c728e297a8e26828e23898e21918c1f988b1fa08822a78528ae8032b67a3fbc734ec36b5ec96270cf5784d44b98d83eaddc30c2df23d8e219ece51bfde725',
  magma:
    '0000040303120a0822130d341d114729115a36106b440f7651127c5d177f6a1c81762181832681902a819c2e7faa337db73779c43c75d0416fdc4869e75263ef5d5ef56b5cf9795dfc8961fd9869fea772feb67cfec488fed395fde2a3fcf0b2fcfdbf',
  inferno:
    '0000040403120b0724150b37210c4a2f0a5b3d09654a0c6b57106e64156e71196e7d1e6d8a226a972766a32c61b0315bbc3754c73e4cd24644db503be45a31eb6628f1731df68013f98e09fb9d07fcac11fbbc21f9cb35f5db4cf2ea69f3f68afcffa4',
  diverging:
    '0530610e41791752901f63a82a71b23480b93f8ec0529dc86bacd184bcd99bc9e0aed3e6c2ddecd4e6f1e0ecf3ecf2f5f7f6f6f9eee7fbe5d8fddcc9fbccb4f8bb9ef5aa89ee9677e48066db6b55d05548c53e3dba2832ab162a930e267c072267001f',
};

const HUES: Record<'gray' | 'green' | 'magenta' | 'cyan' | 'red' | 'blue', RGB> = {
  gray: [1, 1, 1],
  green: [0, 1, 0],
  magenta: [1, 0, 1],
  cyan: [0, 1, 1],
  red: [1, 0, 0],
  blue: [0, 0, 1],
};

function parseControls(hex: string): RGB[] {
  const out: RGB[] = [];
  for (let i = 0; i < hex.length; i += 6) {
    out.push([
      parseInt(hex.slice(i, i + 2), 16) / 255,
      parseInt(hex.slice(i + 2, i + 4), 16) / 255,
      parseInt(hex.slice(i + 4, i + 6), 16) / 255,
    ]);
  }
  return out;
}

const CONTROLS = new Map<ColormapName, RGB[]>();
function controlsOf(name: 'viridis' | 'magma' | 'inferno' | 'diverging'): RGB[] {
  let c = CONTROLS.get(name);
  if (!c) {
    c = parseControls(SAMPLED[name]);
    CONTROLS.set(name, c);
  }
  return c;
}

export function isColormapName(s: string): s is ColormapName {
  return (COLORMAP_NAMES as readonly string[]).includes(s);
}

/** Colour (channels in [0, 1]) of normalised intensity t ∈ [0, 1] (clamped). */
export function colormapRGB(name: ColormapName, t: number): RGB {
  const u = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  if (name in HUES) {
    const h = HUES[name as keyof typeof HUES];
    return [h[0] * u, h[1] * u, h[2] * u];
  }
  const c = controlsOf(name as keyof typeof SAMPLED);
  const f = u * (c.length - 1);
  const i = Math.min(c.length - 2, Math.floor(f));
  const w = f - i;
  const a = c[i];
  const b = c[i + 1];
  return [a[0] + (b[0] - a[0]) * w, a[1] + (b[1] - a[1]) * w, a[2] + (b[2] - a[2]) * w];
}

/** Number of entries of the lookup tables uploaded to the GPU. */
export const LUT_SIZE = 256;

/** RGBA8 lookup table: entry i is the colour of t = i / (LUT_SIZE − 1). */
export function colormapLUT(name: ColormapName): Uint8Array {
  const lut = new Uint8Array(LUT_SIZE * 4);
  for (let i = 0; i < LUT_SIZE; i++) {
    const [r, g, b] = colormapRGB(name, i / (LUT_SIZE - 1));
    lut[i * 4] = Math.round(r * 255);
    lut[i * 4 + 1] = Math.round(g * 255);
    lut[i * 4 + 2] = Math.round(b * 255);
    lut[i * 4 + 3] = 255;
  }
  return lut;
}

/**
 * What the shader returns for t: a linearly filtered LUT fetch at texture coordinate
 * (t·(N−1) + 0.5)/N, i.e. linear interpolation between neighbouring LUT entries. Tests use this
 * to predict canvas pixels.
 */
export function lutColour(lut: Uint8Array, t: number): RGB {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const n = lut.length / 4;
  const f = u * (n - 1);
  const i = Math.min(n - 2, Math.floor(f));
  const w = f - i;
  const ch = (k: number): number => lut[i * 4 + k] + (lut[(i + 1) * 4 + k] - lut[i * 4 + k]) * w;
  return [ch(0), ch(1), ch(2)];
}
