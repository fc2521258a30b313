import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.ts';
import { emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';
import { parseFlags, required, num } from '../flags.ts';
import { readManifest, markerPath } from '../../shard/denoise-batch.ts';
import { filesForShard, rangesForShard } from '../../shard/plan.ts';

const HELP = `Usage: n2s status --output OUT [--shards N] [--json]

Reports which parts of a sharded \`n2s denoise\` output are complete: per file (folder input) or per
z-chunk range (OME-Zarr input), and per shard when --shards N is given.

  --output OUT   the output folder / OME-Zarr volume of n2s denoise
  --shards N     group the report by the shards of an N-task run
  --json         one JSON object`;

export const command: Command = {
  name: 'status',
  summary: 'report which shards/chunks of a sharded denoise are complete',
  help: HELP,
  async run(argv) {
    const f = parseFlags(argv, { output: { type: 'string' }, shards: { type: 'string' }, json: { type: 'boolean' } } as const, 'status');
    const out = resolve(required(f.output, 'output', 'status'));
    if (!existsSync(out)) throw new UserError(`${f.output} does not exist (nothing has been written yet)`);
    const count = num(f.shards, 'shards', true) ?? 1;
    if (count < 1) throw new UserError('--shards must be ≥ 1');
    const m = await readManifest(out);
    const items = m.kind === 'folder'
      ? m.files.map((p) => ({ id: p.output, complete: existsSync(p.output) }))
      : m.ranges.map((r) => ({ id: `planes ${r.z0}-${r.z1 - 1}`, complete: existsSync(markerPath(out, r)) }));
    const shards = Array.from({ length: count }, (_, index) => {
      const part = m.kind === 'folder'
        ? filesForShard(items, { index, count })
        : rangesForShard(items, { index, count });
      return { index, total: part.length, complete: part.filter((p) => p.complete).length };
    });
    const complete = items.filter((i) => i.complete).length;
    const result = {
      type: 'status', output: out, kind: m.kind, total: items.length, complete, finished: complete === items.length,
      shards: shards.map((s) => ({ ...s, finished: s.complete === s.total })),
      missing: items.filter((i) => !i.complete).map((i) => i.id),
    };
    if (f.json) emitJson(result);
    else {
      process.stdout.write(`${out}: ${complete}/${items.length} ${m.kind === 'folder' ? 'files' : 'chunk ranges'} complete${result.finished ? ' — finished' : ''}\n`);
      for (const s of result.shards) process.stdout.write(`  shard ${s.index}/${count}: ${s.complete}/${s.total}${s.finished ? ' ✓' : ''}\n`);
      for (const miss of result.missing.slice(0, 20)) process.stdout.write(`  missing: ${miss}\n`);
    }
    return result.finished ? 0 : 3;
  },
};
