// The layers of main/, top first (docs/architecture.md, issue 15). A module may import from its own
// layer and from any layer further down; folders on one line are side by side and may not import
// each other. One table for both checks: the layering test (test/helpers/layers.ts, which resolves
// every import and also finds cycles) and ESLint's no-restricted-imports (eslint.config.mjs, which
// flags an import in the editor as it is written).
export const MAIN_LAYERS = [
  ['main/electron'],
  ['main/app', 'main/cli'],
  ['main/workflows'],
  ['main/science', 'main/segment', 'main/shard'],
  ['main/engine'],
  ['main/io'],
  ['main/errors.ts'],
  ['shared'],
];
