/**
 * What every use case in main/workflows/ shares: the options bag (events, cancellation), request
 * validation into one-line errors, and the small input checks (same shape, same path).
 */
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { Stack } from '../../shared/stack.ts';
import type { WorkflowEvent } from '../../shared/workflow-events.ts';
import { CancelledError, InputMismatchError, InvalidRequestError } from '../errors.ts';

export interface WorkflowOptions {
  /** Typed progress; called synchronously, must not throw. */
  onEvent?: (e: WorkflowEvent) => void;
  /** Aborting stops the work at the next plane / step / chunk with a CancelledError. */
  signal?: AbortSignal;
}

/** Parses a request with its schema; the first problem becomes an InvalidRequestError. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InvalidRequestError(issue ? issue.path.map(String).join('.') : '', issue?.message ?? 'invalid request');
  }
  return r.data;
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Runs `work`; an error that surfaces after the signal was aborted is reported as a cancel. */
export async function cancellable<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (signal?.aborted && !(e instanceof CancelledError)) throw new CancelledError();
    throw e;
  }
}

export function sameShape(a: Stack, b: Stack, what: string): void {
  if (a.depth !== b.depth || a.height !== b.height || a.width !== b.width) {
    throw new InputMismatchError(`${what} is ${b.depth}×${b.height}×${b.width} but the input is ${a.depth}×${a.height}×${a.width}`);
  }
}

export function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}

/** A stack name without its file extension, for naming results. */
export function baseName(name: string): string {
  return name.replace(/\.(ome\.)?tiff?$|\.nii(\.gz)?$|\.zarr\/?$/i, '');
}
