/**
 * Text rendering of workflow events for the terminal (the --json form prints the events as they
 * are). One place, so n2s train, denoise and demo print progress alike.
 */
import type { EngineInfo, WorkflowEvent } from '../../shared/workflow-events.ts';
import { emitJson } from './command.ts';

export function describeEngine(r: EngineInfo): string {
  return r.engine === 'onnx' ? `onnx (provider ${r.provider ?? r.backend})` : `tfjs (backend ${r.backend})`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 90) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 90 ? `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One human-readable line per training event worth a line (steps are too many to print). */
export function formatTrainEvent(e: WorkflowEvent): string | null {
  switch (e.type) {
    case 'train-start':
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

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The renderer of a denoise run: plane counter with ETA on one line, file and chunk lines, engine
 * and notices on stderr; with json, every event as a JSON line on stdout.
 */
export function denoiseEventPrinter(json: boolean, shardLabel = ''): (e: WorkflowEvent) => void {
  let counting = false;
  return (e) => {
    if (json) {
      if (e.type === 'plane' || e.type === 'chunk' || e.type === 'file') emitJson({ ...e });
      else if (e.type === 'log') log(e.line);
      else if (e.type === 'engine') log(`engine: ${describeEngine(e.engine)}`);
      return;
    }
    if (counting && e.type !== 'plane') {
      process.stderr.write('\n');
      counting = false;
    }
    switch (e.type) {
      case 'engine':
        log(`engine: ${describeEngine(e.engine)}`);
        break;
      case 'log':
        log(e.line);
        break;
      case 'plane':
        counting = true;
        process.stderr.write(`\r${shardLabel}plane ${e.done}/${e.total}  ETA ${formatSeconds(e.eta)}   `);
        break;
      case 'file':
        if (!e.skipped) log(`${shardLabel}${e.input.split(/[\\/]/).pop()}`);
        break;
      case 'chunk':
        log(`${shardLabel}planes ${e.z0}–${e.z1 - 1} (${e.done}/${e.total}, ETA ${formatSeconds(e.eta)})`);
        break;
      default:
        break;
    }
  };
}

/** Ends a line left open by the plane counter. */
export function endProgressLine(json: boolean): void {
  if (!json) process.stderr.write('\n');
}
