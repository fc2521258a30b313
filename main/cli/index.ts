import { CancelledError, UserError } from '../errors.ts';
import { installTempCleanup } from '../io/atomic.ts';
import { endThreads } from '../engine/threads.ts';
import { oneLine } from '../io/errors.ts';
import type { Command } from './command.ts';

/**
 * The command table. Each command is a module of its own, loaded only when called, so `n2s info`
 * does not pay for loading TensorFlow.js.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  train: { summary: 'train a denoising model on a noisy stack', load: () => import('./commands/train.ts') },
  denoise: { summary: 'denoise a stack (or a folder / OME-Zarr, sharded) with a trained model', load: () => import('./commands/denoise.ts') },
  info: { summary: 'show axes, shape, dtype and voxel size of a stack file', load: () => import('./commands/info.ts') },
  convert: { summary: 'convert between TIFF (ImageJ/OME), NIfTI and OME-Zarr keeping metadata', load: () => import('./commands/convert.ts') },
  eval: { summary: 'PSNR/SSIM/NRMSE of a prediction against a reference', load: () => import('./commands/eval.ts') },
  synth: { summary: 'write synthetic noisy/clean stacks (MRI k-space noise, microscopy)', load: () => import('./commands/synth.ts') },
  study: { summary: 'train and evaluate several methods and write a report (paper Table 1)', load: () => import('./commands/study.ts') },
  engines: { summary: 'list inference/training engines and providers with their status', load: () => import('./commands/engines.ts') },
  export: { summary: 'export a model as ONNX or as a bioimage.io package', load: () => import('./commands/export.ts') },
  segment: { summary: 'segment nuclei in a stack (Otsu + watershed)', load: () => import('./commands/segment.ts') },
  status: { summary: 'report which shards/chunks of a sharded denoise are complete', load: () => import('./commands/status.ts') },
  slurm: { summary: 'write (and submit) a Slurm job array that denoises in shards', load: () => import('./commands/slurm.ts') },
  demo: { summary: 'end-to-end demo on embedded synthetic microscopy and real MRI data', load: () => import('./commands/demo.ts') },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(9)} ${c.summary}`);
  return [
    'n2s — Noise2Stack Studio command line',
    '',
    'Usage: n2s <command> [flags]   (n2s <command> --help for its flags)',
    '',
    'Commands:',
    ...rows,
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  // Ctrl-C / kill: the temporary files of unfinished writes are removed (main/io/atomic.ts).
  installTempCleanup();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`n2s: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    let mod: { command: Command };
    try {
      mod = await entry.load();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(e).includes(`commands/${name}.ts`)) {
        throw new UserError(`n2s ${name}: not available in this build`);
      }
      throw e;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(mod.command.help.endsWith('\n') ? mod.command.help : mod.command.help + '\n');
      return 0;
    }
    return await mod.command.run(rest);
  } catch (e) {
    if (e instanceof CancelledError) {
      process.stderr.write(`n2s ${name}: ${e.message}\n`);
      return 130;
    }
    if (e instanceof UserError) {
      process.stderr.write(`n2s ${name}: error: ${oneLine(e.message)}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`n2s ${name}: internal error: ${oneLine(String(err?.message ?? err))}\n`);
    if (process.env.N2S_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 70;
  } finally {
    // A training engine's step worker still finishing its call ends before the process does: a
    // thread stopped inside an ONNX Runtime call aborts the process (main/engine/threads.ts).
    await endThreads();
  }
}
