/**
 * The one entry point for calls from a renderer, shared by Electron IPC and the loopback bridge:
 * look the channel up in the contract, validate the payload with its schema, run the handler,
 * and wrap the outcome in a Reply. Unknown channels and malformed payloads are refused and logged
 * and never reach a handler.
 */
import { z } from 'zod';
import { invokes, isInvokeChannel, type InvokeChannel } from '../../../shared/ipc/contract.ts';
import type { IpcError, Reply } from '../../../shared/ipc/define.ts';
import { CancelledError, UserError } from '../../errors.ts';
import type { Logger } from '../log.ts';
import type { HandlerMap } from './handler.ts';

/** Thrown by handlers for requests that are well-formed but not allowed (e.g. a path). */
export class DeniedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeniedError';
  }
}

/** Thrown for well-formed calls whose content is invalid (unknown job kind, bad job params). */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

export function errorToIpc(e: unknown): IpcError {
  if (e instanceof BadRequestError) return { code: 'bad-request', message: e.message };
  if (e instanceof DeniedError) return { code: 'denied', message: e.message };
  if (e instanceof CancelledError) return { code: 'cancelled', message: e.message };
  if (e instanceof UserError) return { code: 'user', message: e.message };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: `internal error: ${msg}` };
}

/** Shortens a zod error to one line naming the first offending field. */
export function describeZodError(err: z.ZodError): string {
  const first = err.issues[0];
  if (!first) return 'invalid payload';
  const where = first.path.length ? first.path.join('.') : 'payload';
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more)` : '';
  return `${where}: ${first.message}${more}`;
}

export interface Dispatcher {
  dispatch(channel: unknown, payload: unknown): Promise<Reply<unknown>>;
}

export function createDispatcher(handlers: HandlerMap, log: Logger): Dispatcher {
  const missing = Object.keys(invokes).filter((c) => !(c in handlers));
  if (missing.length) throw new Error(`IPC channels without a handler: ${missing.join(', ')}`);

  return {
    async dispatch(channel, payload) {
      if (!isInvokeChannel(channel)) {
        const shown = typeof channel === 'string' ? JSON.stringify(channel.slice(0, 80)) : typeof channel;
        log.warn(`ipc: rejected call on unknown channel ${shown}`);
        return { ok: false, error: { code: 'unknown-channel', message: `unknown IPC channel ${shown}` } };
      }
      const spec = invokes[channel];
      const parsed = spec.request.safeParse(payload ?? {});
      if (!parsed.success) {
        const message = `${channel}: malformed request: ${describeZodError(parsed.error)}`;
        log.warn(`ipc: ${message}`);
        return { ok: false, error: { code: 'bad-request', message } };
      }
      try {
        const handler = handlers[channel] as (req: unknown) => Promise<unknown>;
        const value = await handler(parsed.data);
        return { ok: true, value };
      } catch (e) {
        const error = errorToIpc(e);
        if (error.code === 'internal') log.error(`ipc: ${channel} failed: ${(e as Error)?.stack ?? e}`);
        return { ok: false, error };
      }
    },
  };
}

export type { InvokeChannel };
