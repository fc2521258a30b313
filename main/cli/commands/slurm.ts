import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { resolve, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command.ts';
import { emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';
import { sbatchScript, parseSubmitted, shq } from '../../shard/slurm.ts';

const HELP = `Usage: n2s slurm --model M --input IN --output OUT --shards N [options]

Writes an sbatch job-array script that denoises IN in N shards (one array task per shard, a log per
task) and, with --submit, submits it. Paths are made absolute: the cluster nodes must see the same
file system (model, input, output and this n2s installation).

  --model DIR        trained model folder
  --input IN         folder of stacks, a .txt list of files, or one OME-Zarr volume
  --output OUT       output folder (for files) or OME-Zarr volume
  --shards N         number of array tasks
  --partition P      Slurm partition
  --time T           time limit per task (e.g. 01:00:00)
  --mem M            memory per task (e.g. 8G)
  --cpus C           CPUs per task
  --gpus G           GPUs per task
  --engine E         passed to n2s denoise (auto|onnx|tfjs)
  --provider P       passed to n2s denoise (auto|cpu|webgpu|dml|cuda|coreml)
  --script FILE      where to write the script (default OUT.sbatch beside the output)
  --submit           submit with sbatch
  --wait             with --submit: wait until every task ended (sbatch --wait)
  --json             print the result as JSON
`;

export const command: Command = {
  name: 'slurm',
  summary: 'write (and submit) a Slurm job array that denoises in shards',
  help: HELP,
  async run(argv) {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' }, input: { type: 'string' }, output: { type: 'string' }, shards: { type: 'string' },
        partition: { type: 'string' }, time: { type: 'string' }, mem: { type: 'string' }, cpus: { type: 'string' }, gpus: { type: 'string' },
        engine: { type: 'string' }, provider: { type: 'string' }, script: { type: 'string' },
        submit: { type: 'boolean' }, wait: { type: 'boolean' }, json: { type: 'boolean' },
      },
      strict: true,
    });
    for (const f of ['model', 'input', 'output', 'shards'] as const) if (!v[f]) throw new UserError(`--${f} is required (see n2s slurm --help)`);
    const model = resolve(v.model!);
    const input = resolve(v.input!);
    const output = resolve(v.output!);
    if (!existsSync(model)) throw new UserError(`model folder not found: ${v.model}`);
    if (!existsSync(input)) throw new UserError(`input not found: ${v.input}`);
    const int = (s: string | undefined, flag: string) => {
      if (s === undefined) return undefined;
      if (!/^\d+$/.test(s)) throw new UserError(`${flag} must be a whole number, got "${s}"`);
      return Number(s);
    };
    const shards = int(v.shards, '--shards')!;
    if (shards < 1) throw new UserError('--shards must be ≥ 1');
    // bin/n2s.mjs as seen from the sources (main/cli/commands/) or from the CLI bundle (dist/cli/).
    const bin = ['../../bin/n2s.mjs', '../../../bin/n2s.mjs'].map((rel) => fileURLToPath(new URL(rel, import.meta.url))).find((p) => existsSync(p)) ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/n2s.mjs');
    const extra: string[] = [];
    if (v.engine) extra.push('--engine', v.engine);
    if (v.provider) extra.push('--provider', v.provider);
    const logDir = `${output}.logs`;
    mkdirSync(logDir, { recursive: true });
    let script: string;
    try {
      script = sbatchScript({
        n2s: `${shq(process.execPath)} ${shq(bin)}`, model, input, output, shards, logDir, extra,
        partition: v.partition, time: v.time, mem: v.mem, cpus: int(v.cpus, '--cpus'), gpus: int(v.gpus, '--gpus'),
      });
    } catch (e) {
      throw new UserError((e as { issues?: { message: string }[] }).issues?.[0]?.message ?? (e as Error).message);
    }
    const scriptPath = resolve(v.script ?? `${output}.sbatch`);
    const tmp = `${scriptPath}.tmp-${process.pid}`;
    writeFileSync(tmp, script, { mode: 0o755 });
    renameSync(tmp, scriptPath);
    const result: Record<string, unknown> = { type: 'result', script: scriptPath, shards, logs: logDir, submitted: false };
    if (v.submit) {
      const args = v.wait ? ['--wait', scriptPath] : [scriptPath];
      const r = spawnSync('sbatch', args, { encoding: 'utf8' });
      if (r.error) throw new UserError(`could not run sbatch: ${r.error.message} (is Slurm installed on this machine?)`);
      const jobId = (() => {
        try { return parseSubmitted(r.stdout); } catch { return undefined; }
      })();
      if (r.status !== 0) {
        throw new UserError(`sbatch failed (exit ${r.status})${jobId ? ` for job ${jobId}` : ''}: ${r.stderr.trim() || r.stdout.trim()} — task logs in ${logDir}`);
      }
      Object.assign(result, { submitted: true, jobId, waited: Boolean(v.wait) });
    }
    if (v.json) emitJson(result);
    else {
      process.stdout.write(`wrote ${scriptPath} (${shards} array task${shards > 1 ? 's' : ''}; logs in ${join(logDir, '')})\n`);
      if (result.submitted) process.stdout.write(`submitted job ${String(result.jobId)}${v.wait ? ' and all tasks finished' : ''}\n`);
      else process.stdout.write(`submit with: sbatch ${shq(scriptPath)}\n`);
    }
    return 0;
  },
};
