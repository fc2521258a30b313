/**
 * Small helpers shared by the engine's commands (train, denoise, demo): flag parsing with one-line
 * errors, stack reading with the checks users trip over, and human-readable progress.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { UserError } from '../errors.ts';
import type { Stack } from '../../shared/stack.ts';
import type { EngineReport, TrainEvent } from './types.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with UserErrors. A value that starts with '-' (e.g. `--neighbors -1`) is
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

/** A finite number from a flag, or a UserError naming the flag. */
export function num(v: string | undefined, flag: string, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UserError(`--${flag} must be ${integer ? 'an integer' : 'a number'}, got "${v}"`);
  }
  return n;
}

export function oneOf<T extends string>(v: string | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UserError(`--${flag} must be one of ${allowed.join('|')}, got "${v}"`);
  return v as T;
}

export function required(v: string | undefined, flag: string, command: string): string {
  if (v === undefined || v === '') throw new UserError(`--${flag} is required (see n2s ${command} --help)`);
  return v;
}

/** Reads a stack through main/io (its errors are already one-line UserErrors). */
export async function readInputStack(path: string): Promise<Stack> {
  const { readStack } = await import('../io/index.ts');
  return readStack(path);
}

export function sameShape(a: Stack, b: Stack, what: string): void {
  if (a.depth !== b.depth || a.height !== b.height || a.width !== b.width) {
    throw new UserError(`${what} is ${b.depth}×${b.height}×${b.width} but the input is ${a.depth}×${a.height}×${a.width}`);
  }
}

export function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}

export function describeEngine(r: EngineReport): string {
  return r.engine === 'onnx' ? `onnx (provider ${r.provider ?? r.backend})` : `tfjs (backend ${r.backend})`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 90) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 90 ? `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One human-readable line per epoch (steps are too many to print). */
export function formatTrainEvent(e: TrainEvent): string | null {
  switch (e.type) {
    case 'start':
      return `training on ${e.trainPlanes} planes (validation ${e.valPlanes}), ${e.inChannels} input planes, ${e.parameters} parameters, ${e.epochs}×${e.stepsPerEpoch} steps`;
    case 'epoch':
      return (
        `epoch ${String(e.epoch).padStart(String(e.epochs).length)}/${e.epochs}  loss ${e.loss.toExponential(3)}` +
        `  val ${e.valLoss === null ? '—' : e.valLoss.toExponential(3)}  lr ${e.lr.toExponential(2)}` +
        `  ${e.secondsPerStep.toFixed(2)} s/step  ETA ${formatSeconds(e.eta)}${e.best ? '  *best' : ''}`
      );
    default:
      return null;
  }
}
