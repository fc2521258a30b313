/**
 * The Slurm job-array script of a sharded denoise: one array task per shard, a log per task, and
 * the same n2s and model paths on every node (the cluster's shared file system).
 */
import { z } from 'zod';

export const SlurmOptions = z.object({
  /** Command that runs n2s on the nodes, e.g. "/usr/bin/node /opt/n2s/bin/n2s.mjs". */
  n2s: z.string().min(1),
  model: z.string().min(1),
  input: z.string().min(1),
  output: z.string().min(1),
  shards: z.number().int().min(1).max(100000),
  partition: z.string().regex(/^[\w.-]+$/, 'partition names are letters, digits, ".", "_" and "-"').optional(),
  time: z.string().regex(/^[\d:-]+$/, 'time as minutes, MM:SS, HH:MM:SS or D-HH:MM:SS').optional(),
  mem: z.string().regex(/^\d+[KMGT]?$/i, 'memory as e.g. 4G or 4000M').optional(),
  cpus: z.number().int().min(1).max(1024).optional(),
  gpus: z.number().int().min(0).max(64).optional(),
  jobName: z.string().regex(/^[\w.-]+$/).default('n2s-denoise'),
  logDir: z.string().min(1),
  /** Extra flags passed through to `n2s denoise` (engine, provider, tile…). */
  extra: z.array(z.string()).default([]),
});
export type SlurmOptions = z.input<typeof SlurmOptions>;

/** POSIX shell single-quoting, so paths with spaces or quotes survive. */
export function shq(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function sbatchScript(input: SlurmOptions): string {
  const o = SlurmOptions.parse(input);
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${o.jobName}`,
    `#SBATCH --array=0-${o.shards - 1}`,
    `#SBATCH --output=${o.logDir}/%x-%A_%a.out`,
    `#SBATCH --error=${o.logDir}/%x-%A_%a.out`,
    '#SBATCH --ntasks=1',
  ];
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.time) lines.push(`#SBATCH --time=${o.time}`);
  if (o.mem) lines.push(`#SBATCH --mem=${o.mem}`);
  if (o.cpus) lines.push(`#SBATCH --cpus-per-task=${o.cpus}`);
  if (o.gpus) lines.push(`#SBATCH --gpus=${o.gpus}`);
  lines.push(
    '',
    '# Written by `n2s slurm`. Each array task denoises shard $SLURM_ARRAY_TASK_ID of ' + o.shards + ';',
    '# rerunning a task skips chunks/files already complete.',
    'set -euo pipefail',
    `echo "n2s shard $SLURM_ARRAY_TASK_ID/${o.shards} on $(hostname) at $(date -Is)"`,
    `exec ${o.n2s} denoise --model ${shq(o.model)} --input ${shq(o.input)} --output ${shq(o.output)} --shard "$SLURM_ARRAY_TASK_ID/${o.shards}"${o.extra.map((e) => ' ' + shq(e)).join('')}`,
    '',
  );
  return lines.join('\n');
}

/** The job id from sbatch's "Submitted batch job 123". */
export function parseSubmitted(stdout: string): string {
  const m = /Submitted batch job (\d+)/.exec(stdout);
  if (!m) throw new Error(`sbatch did not report a job id: ${stdout.trim()}`);
  return m[1];
}
