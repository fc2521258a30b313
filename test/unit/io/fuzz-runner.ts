/**
 * Child process of fuzz.test.ts: reads every file given on the command line and prints one JSON
 * line per file (outcome, message, milliseconds). Run apart so that a hang or a crash in a decoder
 * is caught by the parent's timeout instead of stalling the test runner.
 */
import { basename } from 'node:path';
import { probeStack, readStack, StackFileError } from '../../../main/io/index.ts';

for (const path of process.argv.slice(2)) {
  const t0 = performance.now();
  let outcome: 'read' | 'clean-error' | 'crash';
  let message = '';
  try {
    const info = await probeStack(path);
    const s = await readStack(path, {
      channel: info.channels > 1 ? 0 : undefined,
      time: info.times > 1 ? 0 : undefined,
      allowNonFinite: true,
    });
    if (s.data.length !== s.depth * s.height * s.width) throw new Error('inconsistent stack');
    outcome = 'read';
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
    const clean = e instanceof StackFileError && message.startsWith(`${basename(path)}: `) && !message.includes('\n');
    outcome = clean ? 'clean-error' : 'crash';
    if (!clean && e instanceof Error) message = `${e.name}: ${e.stack ?? message}`;
  }
  process.stdout.write(JSON.stringify({ file: basename(path), outcome, message, ms: performance.now() - t0 }) + '\n');
}
