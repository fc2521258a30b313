/**
 * Runs `n2s` in this process (main/cli/index.ts) with stdout/stderr captured: the hostile-input
 * and safety tests call the CLI hundreds of times, far faster than spawning a process each time.
 */
import { main } from '../../../main/cli/index.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

let queue: Promise<unknown> = Promise.resolve();

/** One `n2s ARGS` run; runs are serialised because stdout/stderr are process-wide. */
export function runCli(args: string[]): Promise<CliResult> {
  const run = async (): Promise<CliResult> => {
    let stdout = '';
    let stderr = '';
    const o = process.stdout.write.bind(process.stdout);
    const e = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof process.stderr.write;
    try {
      const code = await main(args);
      return { code, stdout, stderr };
    } finally {
      process.stdout.write = o;
      process.stderr.write = e;
    }
  };
  const p = queue.then(run, run);
  queue = p.catch(() => {});
  return p;
}
