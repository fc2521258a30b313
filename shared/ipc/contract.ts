/**
 * The whole IPC contract: every invoke channel and every event channel, by name. A domain adds
 * its file (shared/ipc/DOMAIN.ts exporting DOMAINInvokes / DOMAINEvents) and one spread line in
 * each table below; main then refuses to start until every channel has a handler
 * (main/app/ipc/handlers/index.ts).
 */
import type { z } from 'zod';
import { appEvents, appInvokes } from './app.ts';
import { filesEvents, filesInvokes } from './files.ts';
import { jobsEvents, jobsInvokes } from './jobs.ts';
import { stackEvents, stackInvokes } from './stacks.ts';

export const invokes = {
  ...appInvokes,
  ...stackInvokes,
  ...jobsInvokes,
  ...filesInvokes,
};

export const events = {
  ...appEvents,
  ...stackEvents,
  ...jobsEvents,
  ...filesEvents,
};

export type InvokeChannel = keyof typeof invokes;
export type EventChannel = keyof typeof events;
/** What the renderer passes (schema input: defaults may be omitted). */
export type InvokeRequest<C extends InvokeChannel> = z.input<(typeof invokes)[C]['request']>;
/** What the handler receives (schema output: defaults filled in). */
export type InvokeRequestParsed<C extends InvokeChannel> = z.output<(typeof invokes)[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.output<(typeof invokes)[C]['response']>;
export type EventPayload<E extends EventChannel> = z.output<(typeof events)[E]['payload']>;

export const INVOKE_CHANNELS = Object.keys(invokes) as InvokeChannel[];
export const EVENT_CHANNELS = Object.keys(events) as EventChannel[];

export function isInvokeChannel(ch: unknown): ch is InvokeChannel {
  return typeof ch === 'string' && Object.prototype.hasOwnProperty.call(invokes, ch);
}
export function isEventChannel(ch: unknown): ch is EventChannel {
  return typeof ch === 'string' && Object.prototype.hasOwnProperty.call(events, ch);
}

/** The Electron IPC channels the preload uses: one for calls, one for events (see api.ts). */
export const ELECTRON_INVOKE = 'n2s:invoke';
export const ELECTRON_EVENT = 'n2s:event';
