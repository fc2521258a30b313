/**
 * Child process of bridge-fuzz.test.ts: the browser bridge server (static files + WebSocket
 * bridge on loopback) as scripts/serve.ts runs it, printing its port and token as one JSON line.
 * Run apart so that a crash ends this process and the test sees it, instead of ending the runner.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridgeServer } from '../../../main/app/bridge/serve.ts';
import { memoryLogger } from '../../../main/app/log.ts';

const rendererDir = mkdtempSync(join(tmpdir(), 'n2s-fuzz-renderer-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>fuzz</title>');
const server = await startBridgeServer({
  rendererDir,
  core: { version: 'fuzz', userDataDir: mkdtempSync(join(tmpdir(), 'n2s-fuzz-data-')), roots: [tmpdir()], log: memoryLogger() },
});
process.stdout.write(JSON.stringify({ port: server.port, token: server.token }) + '\n');
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
