/**
 * Entry of the precompiled command line (dist/cli/n2s.js, built by scripts/build.mjs). Importing
 * it runs the command given on the process's command line; bin/n2s.mjs decides whether to import
 * it or to run the sources through tsx.
 */
import { main } from '../main/cli/index.ts';

process.exitCode = await main(process.argv.slice(2));
