/** Shared setup for the app tests: a runner/core with the test job kind available. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppCore, type AppCore } from '../../../main/app/core.ts';
import { memoryLogger } from '../../../main/app/log.ts';
import { registryResolver, type KindResolver } from '../../../main/app/jobs/runner.ts';
import { job as testJob, testKindSpec } from './fixtures/test-kind.ts';

export const testKindUrl = new URL('./fixtures/test-kind.ts', import.meta.url).href;

/** The registry plus 'test' (the worker imports it from its URL). */
export const resolverWithTestKind: KindResolver = async (kind) =>
  kind === 'test' ? { spec: testKindSpec, module: testJob, moduleUrl: testKindUrl } : registryResolver(kind);

export function tempDir(prefix = 'n2s-app-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function testCore(opts: { roots?: string[]; cancelGraceMs?: number } = {}): AppCore & { logLines: string[] } {
  const log = memoryLogger();
  const core = createAppCore({
    mode: 'bridge',
    version: 'test',
    userDataDir: tempDir(),
    roots: opts.roots ?? [],
    log,
    // The runner's own grace unless a test asks for less (a short one would terminate ONNX jobs mid-call at dispose).
    jobs: { resolve: resolverWithTestKind, cancelGraceMs: opts.cancelGraceMs, progressIntervalMs: 0 },
  });
  return Object.assign(core, { logLines: log.lines });
}
