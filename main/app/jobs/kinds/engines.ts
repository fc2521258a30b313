/**
 * 'engines' (issue 7, "backend shows which are available"): main/engine/engines.ts's probe, run in
 * a worker because loading ONNX Runtime and the tfjs backends takes seconds.
 */
import { defineJobKind } from '../kind.ts';

export const job = defineJobKind('engines', {
  prepare: () => ({}),
  async run(_input, ctx) {
    ctx.progress(null, 'probing engines');
    const { probeEngines } = await import('../../../engine/engines.ts');
    const list = await probeEngines({ bench: false });
    return list.map((e) => ({ engine: e.engine, name: e.name, status: e.status, ...(e.reason ? { reason: e.reason } : {}) }));
  },
  finish: (out) => out,
});
