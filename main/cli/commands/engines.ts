import { parseArgs } from 'node:util';
import { BENCH_SIZE, probeEngines } from '../../engine/engines.ts';
import { choiceFromBench, engineCachePath, writeEngineChoice } from '../../engine/engine-cache.ts';
import { type Command, emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';

const HELP = `Usage: n2s engines [--json] [--bench]

Lists every inference engine (ONNX Runtime execution providers, tfjs backends) with its status:
ok, or unavailable and why. \`n2s denoise --engine auto\` picks, in this order: an ONNX Runtime GPU
provider that loads (and is faster than its CPU provider), tfjs-node-gpu, ONNX Runtime on the CPU,
tfjs on WASM, pure-JS tfjs.

  --bench   also time one ${BENCH_SIZE}×${BENCH_SIZE} plane (64×64 for pure-JS tfjs) through the
            paper's CSBDeep U-Net on each engine that loads, and keep the fastest as this
            machine's answer to --engine auto (the choice is cached per machine and package
            versions; this refreshes it)
  --json    one JSON object: {"engines": [{engine, name, status, reason?, seconds?, size?}, …]}
`;

export const command: Command = {
  name: 'engines',
  summary: 'list inference/training engines and providers with their status',
  help: HELP,
  run: async (argv) => {
    let values: { json?: boolean; bench?: boolean };
    try {
      ({ values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, bench: { type: 'boolean' } }, strict: true }));
    } catch (e) {
      throw new UserError(`${(e as Error).message}`);
    }
    const rows = await probeEngines({ bench: values.bench });
    const choice = values.bench ? choiceFromBench(rows) : null;
    if (choice) writeEngineChoice(choice, 'bench');
    if (values.json) {
      emitJson({ engines: rows });
      return 0;
    }
    const lines = rows.map((r) => {
      const time = (r.seconds !== undefined ? `${r.seconds.toFixed(3)} s @${r.size}²` : '').padStart(14);
      const status = r.status === 'ok' ? 'ok' : `unavailable: ${r.reason ?? ''}`;
      return `  ${r.engine.padEnd(5)} ${r.name.padEnd(15)} ${values.bench ? time + '  ' : ''}${status}`;
    });
    const head = `  ${'engine'.padEnd(5)} ${'provider/backend'.padEnd(15)} ${values.bench ? 'one plane'.padStart(14) + '  ' : ''}status`;
    const kept = choice ? [`--engine auto will use ${choice.engine}/${choice.provider ?? choice.backend} (kept in ${engineCachePath()})`] : [];
    process.stdout.write([head, ...lines, ...kept, ''].join('\n'));
    return 0;
  },
};
