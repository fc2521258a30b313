/**
 * Messages on the loopback WebSocket bridge (each one binary frame, frame.ts). The browser sends
 * invokes; main answers each with a reply carrying the same id, and pushes events.
 */
import { z } from 'zod';
import { IpcError } from './define.ts';

export const BridgeClientMessage = z.object({
  t: z.literal('invoke'),
  id: z.number().int(),
  channel: z.string(),
  payload: z.unknown(),
});
export type BridgeClientMessage = z.infer<typeof BridgeClientMessage>;

export const BridgeServerMessage = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('reply'),
    id: z.number().int(),
    reply: z.union([
      z.object({ ok: z.literal(true), value: z.unknown() }),
      z.object({ ok: z.literal(false), error: IpcError }),
    ]),
  }),
  z.object({ t: z.literal('event'), channel: z.string(), payload: z.unknown() }),
]);
export type BridgeServerMessage = z.infer<typeof BridgeServerMessage>;

/** Path of the WebSocket endpoint; the session token goes in the query (?token=…). */
export const BRIDGE_WS_PATH = '/n2s-bridge';
