/**
 * Building blocks of the IPC contract. A channel is declared once, with zod schemas, and both
 * processes import the declaration: main validates every request with it, the renderer gets its
 * types from it. Binary payloads (planes, volumes) are typed arrays inside these objects; they
 * travel as structured-clone transfers in Electron and as binary frames over the bridge
 * (frame.ts), never as JSON arrays.
 */
import { z } from 'zod';

export interface InvokeSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  request: Req;
  response: Res;
  /** One line: what the call does (shown in logs and in the contract's docs). */
  summary: string;
}

export interface EventSpec<P extends z.ZodType = z.ZodType> {
  payload: P;
  summary: string;
}

export function invoke<Req extends z.ZodType, Res extends z.ZodType>(
  request: Req,
  response: Res,
  summary: string,
): InvokeSpec<Req, Res> {
  return { request, response, summary };
}

export function event<P extends z.ZodType>(payload: P, summary: string): EventSpec<P> {
  return { payload, summary };
}

/** Requests that take nothing still send an (empty) object so the schema check stays uniform. */
export const Empty = z.object({}).strict();

/** How an error crosses the boundary: a readable one-line message and a machine code. */
export const IpcErrorCode = z.enum([
  'unknown-channel', // no such channel in the contract
  'bad-request', // payload failed the channel's schema
  'denied', // path not allowed, etc.
  'user', // a problem with the user's input (bad file, too few planes), message is for the user
  'cancelled',
  'internal', // a bug; message says so
]);
export type IpcErrorCode = z.infer<typeof IpcErrorCode>;

export const IpcError = z.object({ code: IpcErrorCode, message: z.string() });
export type IpcError = z.infer<typeof IpcError>;

/** Every reply is wrapped so errors arrive intact (Electron rewrites thrown errors' messages). */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** Float32Array as a zod type (binary data inside IPC objects). */
export const F32 = z.instanceof(Float32Array);
