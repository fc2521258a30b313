// ESLint (flat config) with typescript-eslint, run by `npm run lint` (part of `npm test`).
// Unused locals and parameters are TypeScript's job (noUnusedLocals/noUnusedParameters in
// tsconfig.json), so the lint does not report them a second time.
//
// The layer rule: inside main/ imports only go down the layers of scripts/layers.mjs. Here it is
// no-restricted-imports per folder, matching the folder names in an import path, so an editor
// flags an upward import as it is typed; test/unit/app/layering.test.ts checks the same table
// precisely (it resolves every path, type-only and dynamic imports included, and finds cycles).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import { MAIN_LAYERS } from './scripts/layers.mjs';

const rank = (layer) => MAIN_LAYERS.findIndex((line) => line.includes(layer));
const folderName = (layer) => layer.split('/').at(-1);

/** For each layer of main/: the layers its files may not import (its own rank and above). */
const layerRules = MAIN_LAYERS.flat()
  .filter((layer) => layer.startsWith('main/'))
  .map((layer) => {
    const above = MAIN_LAYERS.flat().filter((other) => other !== layer && other.startsWith('main/') && rank(other) <= rank(layer));
    // main/errors.ts is the lowest layer of main/, so it never appears among the layers above.
    const group = ['**/renderer/**', ...above.map((other) => `**/${folderName(other)}/**`)];
    return {
      files: layer.endsWith('.ts') ? [layer] : [`${layer}/**/*.{ts,tsx}`],
      rules: {
        'no-restricted-imports': [
          'error',
          { patterns: [{ group, message: `${layer} may import only from its own layer and the layers below it (scripts/layers.mjs, docs/architecture.md)` }] },
        ],
      },
    };
  });

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.cache/**', 'release/**', 'out/**', 'test-artifacts/**', 'docs/results/**', 'bench/results/**', '**/*.d.mts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        // Node and the browser (renderer) globals the sources use; TypeScript checks the rest.
        process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly',
        structuredClone: 'readonly', globalThis: 'readonly', queueMicrotask: 'readonly', AbortController: 'readonly', fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': 'off',
      // TypeScript resolves names; the lint does not keep a second list of globals for .ts files.
      'no-undef': 'off',
    },
  },
  {
    // The two classic hook rules; the plugin's newer compiler-oriented rules are not adopted here.
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  ...layerRules,
  {
    files: ['shared/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/main/**', '**/renderer/**'], message: 'shared/ imports neither main/ nor renderer/' }] }],
    },
  },
);
