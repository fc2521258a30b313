/**
 * Stacks open in main, by id. Data live in SharedArrayBuffers so that a job's worker reads a stack
 * without a copy (worker_threads share SharedArrayBuffer memory) and a plane request is a view.
 */
import type { Axis, Planes, StackInfo, StackRole } from '../../../shared/ipc/stacks.ts';
import type { Stack } from '../../../shared/stack.ts';
import { UserError } from '../../errors.ts';
import type { EventHub } from '../events.ts';

interface Entry {
  stack: Stack;
  info: StackInfo;
}

/** The same stack with its data in shared memory (copied once if it is not already). */
export function toSharedStack(stack: Stack): Stack {
  if (stack.data.buffer instanceof SharedArrayBuffer) return stack;
  const sab = new SharedArrayBuffer(stack.data.byteLength);
  const data = new Float32Array(sab);
  data.set(stack.data);
  return { ...stack, data };
}

/** Intensity range of a stack's data (run in the worker that produced it, not on main's thread). */
export function stackRange(data: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 0 };
}

export class StackStore {
  private entries = new Map<string, Entry>();
  private next = 1;

  constructor(private readonly events?: EventHub) {}

  /**
   * Keeps a stack. Workers should hand over shared-memory data and its range (toSharedStack,
   * stackRange) so that nothing proportional to the stack's size runs on main's thread.
   */
  add(stack: Stack, role: StackRole, jobId?: string, range?: { min: number; max: number }): StackInfo {
    const shared = toSharedStack(stack);
    const stackId = `s${this.next++}`;
    const info: StackInfo = {
      stackId,
      name: stack.meta.name,
      depth: stack.depth,
      height: stack.height,
      width: stack.width,
      meta: stack.meta,
      role,
      ...(range ?? stackRange(shared.data)),
      ...(jobId ? { jobId } : {}),
    };
    this.entries.set(stackId, { stack: shared, info });
    this.events?.emit('stack:added', info);
    return info;
  }

  get(stackId: string): Stack {
    const e = this.entries.get(stackId);
    if (!e) throw new UserError(`no open stack with id ${stackId}`);
    return e.stack;
  }

  info(stackId: string): StackInfo {
    this.get(stackId);
    return this.entries.get(stackId)!.info;
  }

  list(): StackInfo[] {
    return [...this.entries.values()].map((e) => e.info);
  }

  remove(stackId: string): boolean {
    const had = this.entries.delete(stackId);
    if (had) this.events?.emit('stack:removed', { stackId });
    return had;
  }

  /**
   * Planes along an axis. Z planes are returned as a copy of the contiguous run (the original is
   * shared memory and must not be handed to a transport that might detach it); Y and X planes are
   * gathered.
   */
  planes(stackId: string, axis: Axis, start: number, count: number): Planes {
    const s = this.get(stackId);
    const { depth: D, height: H, width: W } = s;
    const extent = axis === 'z' ? D : axis === 'y' ? H : W;
    if (start + count > extent) {
      throw new UserError(`planes ${start}…${start + count - 1} along ${axis} are outside 0…${extent - 1}`);
    }
    if (axis === 'z') {
      return { axis, start, count, rows: H, cols: W, data: s.data.slice(start * H * W, (start + count) * H * W) };
    }
    if (axis === 'y') {
      // XZ plane at row y: rows are z, columns are x.
      const out = new Float32Array(count * D * W);
      for (let c = 0; c < count; c++) {
        const y = start + c;
        for (let z = 0; z < D; z++) out.set(s.data.subarray(z * H * W + y * W, z * H * W + y * W + W), c * D * W + z * W);
      }
      return { axis, start, count, rows: D, cols: W, data: out };
    }
    // YZ plane at column x: rows are z, columns are y.
    const out = new Float32Array(count * D * H);
    for (let c = 0; c < count; c++) {
      const x = start + c;
      for (let z = 0; z < D; z++) {
        const base = z * H * W + x;
        const o = c * D * H + z * H;
        for (let y = 0; y < H; y++) out[o + y] = s.data[base + y * W];
      }
    }
    return { axis, start, count, rows: D, cols: H, data: out };
  }
}
