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

/**
 * Whether /usr/bin/python3 imports all these modules, for tests that use them as their reference.
 * Where one is missing such a test is skipped on a developer's machine; under CI=true it is an
 * error instead (thrown when the test file loads, so the file fails), since a skipped reference
 * test would let the suite pass without the check it exists for.
 */
export function pythonHas(...modules: string[]): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  if (r.status === 0) return true;
  if (process.env.CI === 'true') {
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`);
    throw new Error(`CI=true: the reference tool is missing: /usr/bin/python3 cannot import ${modules.join(', ')} (${why}); install it (scripts/setup-system.sh)`);
  }
  return false;
}

/** The `skip` option of a test that needs these Python modules (see pythonHas). */
export function skipWithoutPython(...modules: string[]): false | string {
  return pythonHas(...modules) ? false : `needs /usr/bin/python3 with ${modules.join(', ')} (scripts/setup-system.sh)`;
}
