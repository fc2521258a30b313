import type { InvokeChannel, InvokeRequestParsed, InvokeResponse } from '../../../shared/ipc/contract.ts';

/** A handler receives the validated request and returns the channel's response. */
export type Handler<C extends InvokeChannel> = (request: InvokeRequestParsed<C>) => Promise<InvokeResponse<C>>;

/** Handlers for a subset of channels (one domain file provides one such map). */
export type PartialHandlerMap<C extends InvokeChannel> = { [K in C]: Handler<K> };

export type HandlerMap = { [K in InvokeChannel]: Handler<K> };
