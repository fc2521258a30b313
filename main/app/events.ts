/**
 * Events from main to every connected renderer. Electron registers its window as a sink, the
 * bridge registers each WebSocket client; services only call emit().
 */
import type { EventChannel, EventPayload } from '../../shared/ipc/contract.ts';

export type EventSink = (channel: EventChannel, payload: unknown) => void;

export class EventHub {
  private sinks = new Set<EventSink>();

  /** Returns a function that removes the sink. */
  addSink(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void {
    for (const sink of this.sinks) {
      try {
        sink(channel, payload);
      } catch {
        // A closed window/socket must not stop delivery to the others.
      }
    }
  }
}
