/**
 * Stacks open in main, by id. Data live in SharedArrayBuffers so that a job's worker reads a stack
 * without a copy (worker_threads share SharedArrayBuffer memory) and a plane request is a view.
 */
import type { Axis, Planes, StackInfo, StackRole } from '../../../shared/ipc/stacks.ts';
import { channelVolume, type Hyperstack } from '../../../shared/hyperstack.ts';
import type { Stack } from '../../../shared/stack.ts';
import { UserError } from '../../errors.ts';
import type { EventHub } from '../events.ts';

interface Entry {
  stack: Stack;
  info: StackInfo;
}

/**
 * A hyperstack opened as one stack per channel (issue 18). Main keeps the whole TCZYX array in
 * shared memory (what the whole-hyperstack jobs read without a copy); each member stack is a view
 * of its channel at the group's current time point, so a time change copies nothing.
 */
interface Group {
  hyper: Hyperstack;
  stackIds: string[];
  time: number;
}

/** The same hyperstack with its data in shared memory (copied once if it is not already). */
export function toSharedHyperstack(h: Hyperstack): Hyperstack {
  if (h.data.buffer instanceof SharedArrayBuffer) return h;
  const data = new Float32Array(new SharedArrayBuffer(h.data.byteLength));
  data.set(h.data);
  return { ...h, data };
}

/** Range of each channel over all its time points (stable contrast while the time slider moves). */
export function channelRanges(h: Hyperstack): { min: number; max: number }[] {
  const { times, channels } = h.meta;
  const out: { min: number; max: number }[] = [];
  for (let c = 0; c < channels; c++) {
    let min = Infinity;
    let max = -Infinity;
    for (let t = 0; t < times; t++) {
      const r = stackRange(channelVolume(h, t, c).data);
      if (r.max >= r.min) {
        min = Math.min(min, r.min);
        max = Math.max(max, r.max);
      }
    }
    out.push(Number.isFinite(min) ? { min, max } : { min: 0, max: 0 });
  }
  return out;
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
  private groups = new Map<string, Group>();
  private next = 1;
  private nextGroup = 1;

  constructor(private readonly events?: EventHub) {}

  /**
   * Keeps a stack. Workers should hand over shared-memory data and its range (toSharedStack,
   * stackRange) so that nothing proportional to the stack's size runs on main's thread.
   */
  add(stack: Stack, role: StackRole, jobId?: string, range?: { min: number; max: number }): StackInfo {
    const shared = toSharedStack(stack);
    const stackId = `s${this.next++}`;
    const info = stackInfo(stackId, stack, role, range ?? stackRange(shared.data), jobId);
    this.entries.set(stackId, { stack: shared, info });
    this.events?.emit('stack:added', info);
    return info;
  }

  /**
   * Keeps a hyperstack as one stack per channel at time point `time`, grouped; returns their
   * infos in channel order. `ranges` (one per channel) should come from the worker (channelRanges).
   */
  addHyperstack(h: Hyperstack, role: StackRole, jobId?: string, ranges?: { min: number; max: number }[], time = 0): StackInfo[] {
    const hyper = toSharedHyperstack(h);
    const m = hyper.meta;
    if (!(Number.isInteger(time) && time >= 0 && time < m.times)) throw new UserError(`time point ${time} does not exist (T=${m.times})`);
    const r = ranges ?? channelRanges(hyper);
    const groupId = `h${this.nextGroup++}`;
    const group: Group = { hyper, stackIds: [], time };
    this.groups.set(groupId, group);
    const infos: StackInfo[] = [];
    for (let c = 0; c < m.channels; c++) {
      const v = channelVolume(hyper, time, c);
      const cm = m.channelMeta[c] ?? {};
      const label = cm.name ?? (m.channels > 1 ? `channel ${c}` : undefined);
      // The channel leads: layer lists are narrow, and the channels of one file differ only there.
      const stack: Stack = { depth: v.depth, height: v.height, width: v.width, data: v.data, meta: { ...v.meta, name: label ? `${label} · ${m.name}` : m.name } };
      const stackId = `s${this.next++}`;
      const info: StackInfo = {
        ...stackInfo(stackId, stack, role, r[c], jobId),
        hyperstack: {
          groupId,
          name: m.name,
          channel: c,
          channels: m.channels,
          times: m.times,
          time,
          ...(cm.name ? { channelName: cm.name } : {}),
          ...(cm.color && /^[0-9A-Fa-f]{6}$/.test(cm.color) ? { color: cm.color.toUpperCase() } : {}),
          ...(m.timeIncrement ? { timeIncrement: m.timeIncrement } : {}),
        },
      };
      group.stackIds.push(stackId);
      this.entries.set(stackId, { stack, info });
      infos.push(info);
    }
    // Announced after every member exists, so a listener can see the whole group at once.
    for (const info of infos) this.events?.emit('stack:added', info);
    return infos;
  }

  /** The group a stack belongs to (undefined for a plain stack). */
  groupOf(stackId: string): string | undefined {
    return this.info(stackId).hyperstack?.groupId;
  }

  /** The whole hyperstack of a group, its open member stacks and the time point they show. */
  group(groupId: string): { hyper: Hyperstack; stackIds: string[]; time: number } {
    const g = this.groups.get(groupId);
    if (!g) throw new UserError(`no open hyperstack with id ${groupId}`);
    return { hyper: g.hyper, stackIds: [...g.stackIds], time: g.time };
  }

  /** Every member of the group now shows (and hands jobs) time point `time`. */
  setTime(groupId: string, time: number): StackInfo[] {
    const g = this.groups.get(groupId);
    if (!g) throw new UserError(`no open hyperstack with id ${groupId}`);
    const T = g.hyper.meta.times;
    if (!(Number.isInteger(time) && time >= 0 && time < T)) throw new UserError(`time point ${time} is outside 0…${T - 1}`);
    g.time = time;
    return g.stackIds.map((stackId) => {
      const e = this.entries.get(stackId)!;
      const c = e.info.hyperstack!.channel;
      const v = channelVolume(g.hyper, time, c);
      const meta = { ...e.stack.meta, ...(T > 1 ? { time } : {}) };
      e.stack = { ...e.stack, data: v.data, meta };
      e.info = { ...e.info, meta, hyperstack: { ...e.info.hyperstack!, time } };
      return e.info;
    });
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
    const groupId = this.entries.get(stackId)?.info.hyperstack?.groupId;
    const had = this.entries.delete(stackId);
    const g = groupId === undefined ? undefined : this.groups.get(groupId);
    if (g && groupId !== undefined) {
      g.stackIds = g.stackIds.filter((id) => id !== stackId);
      // The whole array goes with the last channel closed.
      if (g.stackIds.length === 0) this.groups.delete(groupId);
    }
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

/** What the renderer is told of a stack held in main (shape, metadata, intensity range). */
function stackInfo(stackId: string, stack: Stack, role: StackRole, range: { min: number; max: number }, jobId?: string): StackInfo {
  return {
    stackId,
    name: stack.meta.name,
    depth: stack.depth,
    height: stack.height,
    width: stack.width,
    meta: stack.meta,
    role,
    ...range,
    ...(jobId ? { jobId } : {}),
  };
}
