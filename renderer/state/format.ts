/**
 * Numbers as people read them: a few significant digits, no binary-float tails
 * ("0.6499999999999999" → "0.65"), units in their usual symbols.
 */

/** `v` to `digits` significant digits, without trailing zeros or exponent for everyday magnitudes. */
export function num(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(digits)));
}

const UNIT_SYMBOLS: Record<string, string> = {
  micron: 'µm',
  microns: 'µm',
  micrometer: 'µm',
  micrometre: 'µm',
  um: 'µm',
  'µm': 'µm',
  'μm': 'µm',
  millimeter: 'mm',
  millimetre: 'mm',
  nanometer: 'nm',
  nanometre: 'nm',
  pixel: 'px',
};

export function unitSymbol(unit: string): string {
  return UNIT_SYMBOLS[unit.trim().toLowerCase()] ?? unit;
}

/** "2 × 0.65 × 0.65 µm" (z × y × x). */
export function formatVoxelSize(v: { z: number; y: number; x: number; unit: string }): string {
  return `${num(v.z)} × ${num(v.y)} × ${num(v.x)} ${unitSymbol(v.unit)}`;
}

/** A voxel value: integers as they are, others to 4 significant digits. */
export function formatValue(v: number | null): string {
  if (v === null) return 'outside';
  return Number.isInteger(v) ? String(v) : num(v, 4);
}

/** Seconds as "45 s", "3 min 20 s", "1 h 05 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
