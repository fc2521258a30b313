import { basename } from 'node:path';
import { UserError } from '../errors.ts';

/**
 * A problem with a stack file (unreadable, malformed, unsupported, or a refused write). It is a
 * UserError so every CLI command prints it as one line; the message always names the file.
 */
export class StackFileError extends UserError {
  constructor(readonly path: string, readonly problem: string) {
    super(`${oneLine(basename(path) || path)}: ${oneLine(problem)}`);
    this.name = 'StackFileError';
  }
}

/**
 * Text made safe for one line of a terminal: control characters (a newline in a file name, an
 * escape sequence) are written as \n, \t or \xNN. File names may hold any byte but "/" and NUL.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this function replaces
  return text.replace(/[\x00-\x1f\x7f]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** Wraps anything thrown while decoding `path` into a StackFileError (keeps existing ones). */
export function asStackFileError(path: string, e: unknown, what: string): StackFileError {
  if (e instanceof StackFileError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new StackFileError(path, `${what}: ${msg.split('\n')[0]}`);
}
