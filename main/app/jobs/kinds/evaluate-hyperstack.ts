/**
 * 'evaluate-hyperstack' (issue 18): every channel of each scored hyperstack group against the same
 * channel of a reference group (the high exposure), time point by time point, with shared/metrics
 * (percentile-affine for microscopy — docs/method.md §7): one row per group and channel with the
 * means and the per-time-point PSNR/SSIM.
 */
import type { ChannelScores } from '../../../../shared/ipc/job-kinds/hyperstack.ts';
import type { Hyperstack } from '../../../../shared/hyperstack.ts';
import { InputMismatchError, UserError } from '../../../errors.ts';
import type { StackStore } from '../../stacks/stack-store.ts';
import { defineJobKind } from '../kind.ts';

/** SSIM's 11×11 Gaussian window needs planes at least this large. */
const MIN_SIDE = 11;

interface Scored {
  hyper: Hyperstack;
  name: string;
  /** Stack id of each channel (for the rows). */
  stackIds: string[];
}

interface Input {
  reference: Hyperstack;
  scored: Scored[];
  normalization: 'percentile-affine' | 'none';
}

const dims = (h: Hyperstack) => `${h.meta.times}×${h.meta.channels}×${h.meta.depth}×${h.meta.height}×${h.meta.width}`;

function groupHyper(stacks: StackStore, stackId: string): Scored {
  const groupId = stacks.groupOf(stackId);
  if (!groupId) throw new UserError(`${stacks.info(stackId).name} is not a channel of a hyperstack; evaluate it as one stack`);
  const g = stacks.group(groupId);
  const byChannel = new Map(g.stackIds.map((id) => [stacks.info(id).hyperstack!.channel, id]));
  return { hyper: g.hyper, name: g.hyper.meta.name, stackIds: Array.from({ length: g.hyper.meta.channels }, (_, c) => byChannel.get(c) ?? '') };
}

export const job = defineJobKind('evaluate-hyperstack', {
  prepare(params, main): Input {
    const reference = groupHyper(main.stacks, params.referenceStackId).hyper;
    const scored = params.stackIds.map((id) => groupHyper(main.stacks, id));
    for (const s of scored) {
      if (dims(s.hyper) !== dims(reference)) {
        throw new InputMismatchError(`${s.name} is ${dims(s.hyper)} (T×C×Z×Y×X) but the reference ${reference.meta.name} is ${dims(reference)}; they must match`);
      }
    }
    if (reference.meta.height < MIN_SIDE || reference.meta.width < MIN_SIDE) {
      throw new InputMismatchError(`planes must be at least ${MIN_SIDE}×${MIN_SIDE} for SSIM, got ${reference.meta.height}×${reference.meta.width}`);
    }
    return { reference, scored, normalization: params.normalization };
  },

  async run({ reference, scored, normalization }, ctx) {
    const { evaluateStack } = await import('../../../../shared/metrics/index.ts');
    const { channelVolume } = await import('../../../../shared/hyperstack.ts');
    const { times: T, channels: C } = reference.meta;
    const rows: ChannelScores[] = [];
    let done = 0;
    for (const s of scored) {
      for (let c = 0; c < C; c++) {
        const perTimePsnr: number[] = [];
        const perTimeSsim: number[] = [];
        for (let t = 0; t < T; t++) {
          await ctx.checkpoint();
          const m = evaluateStack(channelVolume(s.hyper, t, c), channelVolume(reference, t, c), { normalization });
          perTimePsnr.push(m.psnr);
          perTimeSsim.push(m.ssim);
          ctx.progress(++done / (scored.length * C * T), `scoring ${s.name}, channel ${c + 1} of ${C}, time point ${t + 1} of ${T}`);
        }
        const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
        const channelName = s.hyper.meta.channelMeta[c]?.name;
        rows.push({ stackId: s.stackIds[c], name: s.name, channel: c, ...(channelName ? { channelName } : {}), psnr: mean(perTimePsnr), ssim: mean(perTimeSsim), perTimePsnr, perTimeSsim });
      }
    }
    return { normalization, rows };
  },

  finish(out) {
    return out;
  },
});
