#!/usr/bin/env node
// Entry of the `n2s` command line. The sources are TypeScript; tsx compiles them on the fly so the
// CLI needs no build step. Worker threads started by the services register tsx themselves.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
