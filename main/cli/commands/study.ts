import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { emitJson, type Command } from '../command.ts';
import { UserError } from '../../errors.ts';
import { parseSchemaFlags as parseFlags } from '../flags.ts';
import { StudyConfig } from '../../science/study/config.ts';

const HELP = `Usage: n2s study --config study.json [--fresh] [--only KEY,KEY] [--json]

Trains and evaluates a list of methods on the data the config names (MRI with k-space noise, or
synthetic microscopy) and writes report.md, report.html, per-plane PSNR plots (SVG), preview
images and results.json into the config's "out" folder. Each method's result is cached in
OUT/runs/KEY.json, so an interrupted study resumes where it stopped.

  --config FILE   study configuration (see bench/study/*.json)
  --fresh         ignore cached method results and run everything again
  --only KEYS     run only these methods (keys as in OUT/runs, e.g. n2n,n2s-self-k2)
  --json          progress and the final summary as JSON lines`;

const Flags = z.object({
  config: z.string({ error: 'missing --config study.json' }),
  fresh: z.boolean().default(false),
  only: z.string().optional(),
  json: z.boolean().default(false),
});

export const command: Command = {
  name: 'study',
  summary: 'train and evaluate several methods and write a report (paper Table 1)',
  help: HELP,
  run: async (argv) => {
    const { flags } = parseFlags(argv, { config: { type: 'string' }, fresh: { type: 'boolean' }, only: { type: 'string' }, json: { type: 'boolean' } }, Flags);
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(flags.config, 'utf8'));
    } catch (e) {
      throw new UserError(`cannot read ${flags.config}: ${(e as Error).message.split('\n')[0]}`);
    }
    const parsed = StudyConfig.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new UserError(`${flags.config}: ${i.path.map(String).join('.') || '(top level)'}: ${i.message}`);
    }
    const { runStudy } = await import('../../science/study/run-study.ts');
    const log = (line: string) => (flags.json ? emitJson({ type: 'log', line }) : process.stderr.write(`${line}\n`));
    const command = ['n2s study --config', flags.config, ...(flags.only ? ['--only', flags.only] : [])].join(' ');
    const res = await runStudy(parsed.data, { command, fresh: flags.fresh, only: flags.only?.split(',').map((s) => s.trim()), log });
    const summary = res.methods.map((m) => ({
      key: m.key,
      label: m.label,
      psnr: m.scores.reduce((s, x) => s + x.metrics.psnr, 0) / m.scores.length,
      psnrPost: m.scores[0]?.post ? m.scores.reduce((s, x) => s + (x.post?.psnr ?? 0), 0) / m.scores.length : undefined,
    }));
    if (flags.json) emitJson({ type: 'result', out: parsed.data.out, methods: summary });
    else {
      for (const s of summary) process.stdout.write(`${s.label.padEnd(34)} PSNR ${s.psnr.toFixed(2)} dB${s.psnrPost !== undefined ? ` / ${s.psnrPost.toFixed(2)} dB after post-processing` : ''}\n`);
      process.stdout.write(`report: ${parsed.data.out}/report.md\n`);
    }
    return 0;
  },
};
