import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

export const PYTHON = '/usr/bin/python3';

/** Whether Debian's python3 has these modules; under CI=true a missing one is an error (test/helpers/python.ts). */
export { pythonHas } from '../../helpers/python.ts';

/** Runs a Python snippet; returns its stdout parsed as JSON (the snippet prints one JSON object). */
export function runPython(code: string, args: string[] = []): unknown {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `n2s-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** sha256 of the little-endian float32 bytes, as numpy's astype('<f4').tobytes() gives them. */
export function f32sha(a: Float32Array): string {
  return createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}
