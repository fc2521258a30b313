/**
 * Reverse-mode differentiation of a forward tape: one walk from the loss back to the weights in
 * reverse order, summing the contributions that reach a value along several paths (the skip
 * connections), and calling the per-operator rule of grad-rules.ts. Only values that depend on a
 * weight get gradients (e.g. no input gradient for the first convolution).
 */
import { GRAD_RULES, type GradContext, type TapeEntry } from './grad-rules.ts';

/**
 * Emits the gradient of `tape`'s last entry (a scalar loss) with respect to each value in `wrt`.
 * Returns value name → gradient value name (a value that does not affect the loss has none).
 */
export function emitBackward(c: GradContext, tape: TapeEntry[], wrt: string[]): Map<string, string> {
  const last = tape[tape.length - 1];
  if (!last) throw new Error('empty tape');
  const requires = new Set(wrt);
  for (const e of tape) if (e.inputs.some((i) => requires.has(i))) requires.add(e.output);

  const contributions = new Map<string, string[]>();
  const add = (value: string, grad: string) => {
    const list = contributions.get(value);
    if (list) list.push(grad);
    else contributions.set(value, [grad]);
  };
  const total = (value: string): string | null => {
    const list = contributions.get(value);
    if (!list || list.length === 0) return null;
    if (list.length === 1) return list[0];
    const sum = c.g.op('Sum', list, {}, `${value}_gsum`);
    contributions.set(value, [sum]);
    return sum;
  };

  add(last.output, c.scalar(1));
  for (let i = tape.length - 1; i >= 0; i--) {
    const e = tape[i];
    const dOut = total(e.output);
    if (dOut === null) continue;
    const needs = e.inputs.map((v) => requires.has(v));
    if (!needs.some(Boolean)) continue;
    const grads = GRAD_RULES[e.op](c, e, dOut, needs);
    grads.forEach((gr, k) => {
      if (gr !== null && needs[k]) add(e.inputs[k], gr);
    });
  }
  const out = new Map<string, string>();
  for (const v of wrt) {
    const gr = total(v);
    if (gr !== null) out.set(v, gr);
  }
  return out;
}
