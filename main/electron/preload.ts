/** Preload (sandboxed, bundled to CommonJS by scripts/build.mjs): exposes the one API. */
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api.ts';

contextBridge.exposeInMainWorld('n2s', createPreloadApi(ipcRenderer));
