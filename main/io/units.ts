/**
 * Length units as the formats spell them. Our canonical names follow ImageJ ("micron", "nm",
 * "mm", ...) because ImageJ files are the most common input; OME uses the SI symbols.
 */
const METRES: Record<string, number> = {
  m: 1, cm: 1e-2, mm: 1e-3, micron: 1e-6, nm: 1e-9, pm: 1e-12, angstrom: 1e-10, inch: 0.0254,
};

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
  const a = METRES[canonicalUnit(from)];
  const b = METRES[canonicalUnit(to)];
  return a !== undefined && b !== undefined ? a / b : undefined;
}

/** The OME-XML UnitsLength symbol for a canonical unit, or undefined if OME has none. */
export function omeUnit(u: string): string | undefined {
  const map: Record<string, string> = { micron: 'µm', nm: 'nm', mm: 'mm', cm: 'cm', m: 'm', pm: 'pm', angstrom: 'Å', inch: 'in' };
  return map[canonicalUnit(u)];
}

export function isPhysical(u: string): boolean {
  return METRES[canonicalUnit(u)] !== undefined;
}
