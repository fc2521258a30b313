/**
 * Length units as the formats spell them. Our canonical names follow ImageJ ("micron", "nm",
 * "mm", ...) because ImageJ files are the most common input; OME uses the SI symbols.
 */
/** Metric units as powers of ten of a metre (so mm → micron is exactly 1000); inch apart. */
const EXPONENT: Record<string, number> = { m: 0, cm: -2, mm: -3, micron: -6, nm: -9, pm: -12, angstrom: -10 };
const INCH_IN_CM = 2.54;

const ALIASES: Record<string, string> = {
  'µm': 'micron', 'μm': 'micron', um: 'micron', micrometer: 'micron', micrometre: 'micron', microns: 'micron', '\\u00B5m': 'micron', 'u': 'micron',
  '\u00C5': 'angstrom', '\u212B': 'angstrom', nanometer: 'nm', millimeter: 'mm', meter: 'm', metre: 'm', centimeter: 'cm', inches: 'inch',
  pixels: 'pixel', px: 'pixel', '': 'pixel',
};

/** Canonical unit name for a unit as written in a file ("µm", "\\u00B5m", "um" → "micron"). */
export function canonicalUnit(u: string | undefined): string {
  if (u === undefined) return 'pixel';
  const t = u.trim();
  return ALIASES[t] ?? ALIASES[t.toLowerCase()] ?? t;
}

/** Factor that converts a length in unit `from` to unit `to`, or undefined if either is unknown. */
export function unitFactor(from: string, to: string): number | undefined {
  let f = canonicalUnit(from);
  let t = canonicalUnit(to);
  let scale = 1;
  if (f === 'inch') [f, scale] = ['cm', INCH_IN_CM];
  if (t === 'inch') [t, scale] = ['cm', scale / INCH_IN_CM];
  const a = EXPONENT[f];
  const b = EXPONENT[t];
  if (a === undefined || b === undefined) return undefined;
  const d = a - b;
  // 10 ** -3 is not exactly 1/1000; dividing by 10 ** 3 rounds correctly.
  return d >= 0 ? scale * 10 ** d : scale / 10 ** -d;
}

/** The OME-XML UnitsLength symbol for a canonical unit, or undefined if OME has none. */
export function omeUnit(u: string): string | undefined {
  const map: Record<string, string> = { micron: 'µm', nm: 'nm', mm: 'mm', cm: 'cm', m: 'm', pm: 'pm', angstrom: 'Å', inch: 'in' };
  return map[canonicalUnit(u)];
}

export function isPhysical(u: string): boolean {
  const c = canonicalUnit(u);
  return c === 'inch' || EXPONENT[c] !== undefined;
}

/** `v` in unit `from` expressed in unit `to` (undefined if either unit is not a length). */
export function convertLength(v: number, from: string, to: string): number | undefined {
  const f = unitFactor(from, to);
  if (f === undefined) return undefined;
  // Divide by the inverse when shrinking, so 250 nm → 0.25 µm exactly rather than 250 × 0.001.
  return f >= 1 ? v * f : v / unitFactor(to, from)!;
}
