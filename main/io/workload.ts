/**
 * How big a job is, said before it starts, and how long it has left, said while it runs: a
 * 100 000-page TIFF should not run for hours without a word (issue 16). Used by n2s convert; the
 * denoise workflow can use the same two helpers.
 */
import type { DType } from '../../shared/stack.ts';

const BYTES: Partial<Record<DType, number>> = { uint8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, float64: 8 };

/** A job is "large" from here on: its size is reported before the work, its progress with an ETA. */
export const LARGE_JOB_BYTES = 1 << 30;
export const LARGE_JOB_PLANES = 1000;

export function formatBytes(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toFixed(1)} TB`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(n / 1e3))} kB`;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

/** "100000 planes of 512×512 uint16 (52.4 GB)" and whether the job counts as large. */
export function describeWorkload(planes: number, height: number, width: number, dtype: DType): { text: string; bytes: number; large: boolean } {
  const bytes = planes * height * width * (BYTES[dtype] ?? 4);
  return {
    text: `${planes} plane${planes === 1 ? '' : 's'} of ${width}×${height} ${dtype} (${formatBytes(bytes)})`,
    bytes,
    large: bytes >= LARGE_JOB_BYTES || planes >= LARGE_JOB_PLANES,
  };
}

/**
 * Remaining time from the rate so far. `update(done)` returns a progress line when one is due
 * (after the first planes, then every `everyMs`), else undefined; `now` is injectable for tests.
 */
export function etaReporter(total: number, opts: { everyMs?: number; now?: () => number } = {}): (done: number) => string | undefined {
  const now = opts.now ?? Date.now;
  const every = opts.everyMs ?? 10_000;
  const t0 = now();
  let last = -Infinity;
  return (done) => {
    const t = now();
    const finished = done >= total;
    if (!finished && (done < 2 || t - last < every)) return undefined;
    last = t;
    const elapsed = (t - t0) / 1000;
    const rate = done / Math.max(elapsed, 1e-3);
    const left = finished ? 0 : (total - done) / rate;
    return `${done}/${total} planes (${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} planes/s), ${finished ? `done in ${formatDuration(elapsed)}` : `about ${formatDuration(left)} left`}`;
  };
}
