/**
 * Flag parsing for the science commands (eval, synth, study): node:util's strict parseArgs, then a
 * zod schema, so that unknown flags, missing values and out-of-range numbers become one-line
 * UserErrors before any work starts.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { UserError } from '../errors.ts';

export function parseFlags<S extends z.ZodType>(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  schema: S,
  allowPositionals = false,
): { flags: z.infer<S>; positionals: string[] } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals }) as typeof parsed;
  } catch (e) {
    throw new UserError((e as Error).message.split('\n')[0]);
  }
  const r = schema.safeParse(parsed.values);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.length && !issue.message.includes('--') ? `--${issue.path.map(String).join('.')}: ` : '';
    throw new UserError(`${where}${issue.message}`);
  }
  return { flags: r.data, positionals: parsed.positionals };
}

/** A decimal string flag as a number (parseArgs gives strings). */
export const numeric = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
