/**
 * Flag parsing for every n2s command: node:util's strict parseArgs with one-line UserErrors, plus
 * helpers that turn flag strings into a workflow's request (whose zod schema in shared/config has
 * the last word on ranges and cross-field rules).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { InvalidRequestError, UserError } from '../errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with UserErrors. A value that starts with '-' (e.g. `--neighbours -1`) is
 * joined to its flag first, so negative numbers reach validation instead of being taken for flags.
 */
export function parseFlags<O extends Options>(argv: string[], options: O, command: string): ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : '';
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d|^-\./.test(next)) {
      joined.push(`${a}=${next}`);
      i++;
    } else joined.push(a);
  }
  try {
    return parseArgs({ args: joined, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify.*$/, '');
    throw new UserError(`${msg} (see n2s ${command} --help)`);
  }
}

/**
 * Strict parseArgs, then a zod schema over the raw values, so that unknown flags, missing values
 * and out-of-range numbers become one-line UserErrors before any work starts.
 */
export function parseSchemaFlags<S extends z.ZodType>(
  argv: string[],
  options: Options,
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

/** A finite number from a flag, or a UserError naming the flag. */
export function num(v: string | undefined, flag: string, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UserError(`--${flag} must be ${integer ? 'an integer' : 'a number'}, got "${v}"`);
  }
  return n;
}

/** A flag value from a closed list (pass a shared/config enum's `.options`). */
export function oneOf<T extends string>(v: string | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UserError(`--${flag} must be one of ${allowed.join('|')}, got "${v}"`);
  return v as T;
}

export function required(v: string | undefined, flag: string, command: string): string {
  if (v === undefined || v === '') throw new UserError(`--${flag} is required (see n2s ${command} --help)`);
  return v;
}

/** camelCase request field → its kebab-case flag (batchTiles → batch-tiles). */
export const flagName = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Runs a workflow call; a request-schema error is re-worded with the flag's name
 * (`tile: …` → `--tile: …`), `names` mapping fields whose flag differs.
 */
export async function withFlagNames<T>(work: () => Promise<T>, names: Record<string, string> = {}): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof InvalidRequestError && e.field) {
      // A config field is named by its last part (config.neighbours → neighbours).
      const field = e.field.split('.').at(-1) ?? e.field;
      throw new UserError(`--${names[field] ?? flagName(field)}: ${e.detail}`);
    }
    throw e;
  }
}

/** Drops undefined values, so schema defaults apply. */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
