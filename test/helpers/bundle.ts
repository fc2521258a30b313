/**
 * Checks on built JavaScript (dist/main, dist/cli). The sources are not shipped next to a bundle,
 * so an import of a TypeScript path fails there, or, where the code catches the failure, quietly
 * takes a fall-back, only in the built app. esbuild follows an import() only when it names its
 * module literally; with a variable it keeps the call as it is, with the source's path.
 */

/** Import specifiers (static, dynamic, require) that name a TypeScript file. */
export function tsImportsIn(code: string): string[] {
  const found: string[] = [];
  const patterns = [
    /(?:^|[\s;}])(?:import|export)\s(?:[^;"'`]*?\sfrom\s*)?["'`]([^"'`]+)["'`]/g,
    /\bimport\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
    /\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) if (/\.(c|m)?tsx?$/.test(m[1])) found.push(m[1]);
  return found;
}

/**
 * The argument text of every import() whose module is not a string literal, e.g. `specifier` for
 * `const specifier = './zarr.ts'; await import(specifier)`. Calls written inside a template string
 * (code for a worker's eval, `import(${…})`) are not calls of this file and are left out.
 */
export function variableImportsIn(code: string): string[] {
  return [...code.matchAll(/\bimport\(\s*([^\s"'`$)][^)]*)\)/g)].map((m) => m[1].trim());
}
