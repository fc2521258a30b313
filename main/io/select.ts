import { StackFileError } from './errors.ts';

/**
 * Which index along a channel/time axis to read. A file with several channels (or time points)
 * needs an explicit choice: guessing would silently denoise the wrong data.
 */
export function selectIndex(path: string, size: number, requested: number | undefined, what: 'channel' | 'time point', flag: string, hint = ''): number {
  if (requested === undefined) {
    if (size === 1) return 0;
    throw new StackFileError(path, `has ${size} ${what}s; choose one with ${flag} (0–${size - 1})${hint}`);
  }
  if (!Number.isInteger(requested) || requested < 0 || requested >= size) {
    const range = size === 1 ? 'only 0' : `0–${size - 1}`;
    throw new StackFileError(path, `${flag} ${requested} is out of range: the file has ${size} ${what}${size === 1 ? '' : 's'} (${range})`);
  }
  return requested;
}

/** Refuses planes with NaN/Inf: training and normalisation would silently turn them into NaN loss. */
export function checkFinite(path: string, z: number, data: Float32Array): void {
  let bad = 0;
  // x - x is 0 for every finite x and NaN for NaN and ±Inf; cheaper than Number.isFinite per value.
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x - x !== 0) bad++;
  }
  if (bad > 0) {
    throw new StackFileError(path, `plane ${z} contains ${bad} NaN/Inf value${bad === 1 ? '' : 's'}; replace them first (e.g. Fiji: Process › Math › Remove NaNs)`);
  }
}
