import { basename } from 'node:path';
import { UserError } from '../errors.ts';

/**
 * A problem with a stack file (unreadable, malformed, unsupported, or a refused write). It is a
 * UserError so every CLI command prints it as one line; the message always names the file.
 */
export class StackFileError extends UserError {
  constructor(readonly path: string, readonly problem: string) {
    super(`${basename(path) || path}: ${problem}`);
    this.name = 'StackFileError';
  }
}

/** Wraps anything thrown while decoding `path` into a StackFileError (keeps existing ones). */
export function asStackFileError(path: string, e: unknown, what: string): StackFileError {
  if (e instanceof StackFileError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new StackFileError(path, `${what}: ${msg.split('\n')[0]}`);
}
