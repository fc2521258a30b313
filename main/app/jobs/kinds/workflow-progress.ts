/**
 * Forwards a workflow's typed events (shared/workflow-events.ts) through a job's progress channel:
 * the fraction the event implies, a one-line message, and the event's numeric fields as values
 * (what the job protocol carries to the renderer). Log events go to the job log.
 */
import { eventFraction, type WorkflowEvent } from '../../../../shared/workflow-events.ts';
import type { JobContext } from '../kind.ts';

/** The numeric fields of an event (job values must be finite numbers). */
export function eventValues(e: WorkflowEvent): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(e)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

const engineName = (e: { engine: string; provider?: string; backend: string }) => `${e.engine}/${e.provider ?? e.backend}`;

/** A one-line message for an event, or undefined to keep the previous one. */
export function eventMessage(e: WorkflowEvent, engine = ''): string | undefined {
  const on = engine ? ` (${engine})` : '';
  switch (e.type) {
    case 'stage':
      return e.message;
    case 'engine':
      return `running on ${engineName(e.engine)}`;
    case 'plane':
      return `plane ${e.done} of ${e.total}${on}`;
    case 'chunk':
      return `planes ${e.z0}–${e.z1 - 1} (${e.done} of ${e.total})${on}`;
    case 'file':
      return `${e.skipped ? 'skipped' : 'denoising'} ${e.input.split(/[\\/]/).pop()} (${e.index + 1} of ${e.count})`;
    case 'progress':
      return `${e.stage} ${e.done} of ${e.total}`;
    case 'train-start':
      return `training on ${engineName(e.engine)}, ${e.parameters} parameters`;
    case 'step':
      return `epoch ${e.epoch}/${e.epochs}, step ${e.stepInEpoch}/${e.stepsPerEpoch}${on}`;
    case 'epoch':
      return `epoch ${e.epoch}/${e.epochs} done`;
    case 'checkpoint':
      return `checkpoint at step ${e.step}`;
    case 'log':
      return undefined;
  }
}

/** An onEvent for a workflow that reports through `ctx`. */
export function forwardEvents(ctx: JobContext): (e: WorkflowEvent) => void {
  let engine = '';
  return (e) => {
    if (e.type === 'log') {
      ctx.log(e.line);
      return;
    }
    if (e.type === 'engine') engine = engineName(e.engine);
    if (e.type === 'train-start') engine = engineName(e.engine);
    ctx.progress(eventFraction(e), eventMessage(e, engine), eventValues(e), e);
  };
}
