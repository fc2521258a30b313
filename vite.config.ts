/**
 * Builds the renderer (renderer/index.html) into dist/renderer. Relative asset paths so the same
 * build loads from Electron's app:// protocol and from the bridge's static server.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // No inline module-preload polyfill: the CSP forbids inline scripts.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 6000,
    sourcemap: true,
  },
  esbuild: { jsx: 'automatic' },
  logLevel: 'warn',
});
