// Runs a TypeScript worker entry from source (tests, the browser bridge): Node 20 does not apply
// the parent's `--import tsx` loader inside worker threads, so register tsx here first. The
// packaged app does not use this file: its worker is bundled to JavaScript (scripts/build.mjs).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
