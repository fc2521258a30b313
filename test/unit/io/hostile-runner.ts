/**
 * Child process of hostile.test.ts: runs `n2s info`, `n2s convert` and `n2s denoise` (in this
 * process, main/cli/index.ts) on every case of the corpus and prints one JSON line per command.
 * Run apart so that a hang or a crash is caught by the parent's time limit, and so that its peak
 * memory is its own.
 *
 *   node --import tsx hostile-runner.ts CASES.json CORPUS_DIR OUT_DIR MODEL_DIR [denoise-every-n]
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli-harness.ts';
import type { HostileCase } from './hostile-corpus.ts';

const [casesFile, corpus, outDir, model, every = '1'] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, 'utf8')) as HostileCase[];
const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');

for (const [i, c] of cases.entries()) {
  const input = join(corpus, c.name);
  const runs: [string, string[], string | undefined][] = [
    ['info', ['info', input], undefined],
    ['convert', ['convert', input, join(outDir, `${i}-conv.tif`)], join(outDir, `${i}-conv.tif`)],
  ];
  if (i % Number(every) === 0) {
    runs.push(['denoise', ['denoise', '--model', model, '--input', input, '--output', join(outDir, `${i}-den.tif`), '--engine', 'onnx'], join(outDir, `${i}-den.tif`)]);
  }
  for (const [cmd, args, out] of runs) {
    const t0 = performance.now();
    const r = await runCli(args);
    const ms = performance.now() - t0;
    const hidden = readdirSync(outDir).filter((n) => n.startsWith('.'));
    emit({
      i, name: c.name, cmd, code: r.code, ms,
      stderr: r.stderr.slice(0, 2000),
      wrote: out ? existsSync(out) : false,
      hidden,
      rss: process.memoryUsage().rss,
    });
  }
}
emit({ done: true, maxRssKiB: process.resourceUsage().maxRSS });
