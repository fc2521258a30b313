import { spawnSync } from 'node:child_process';

/**
 * Runs a snippet with Debian's Python (/usr/bin/python3, which has numpy, tifffile, zarr, skimage,
 * torch, onnx) as an independent reference. Returns stdout; throws with stderr on failure.
 */
export function runPython(code: string, args: string[] = [], timeoutMs = 120_000): string {
  const r = spawnSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
