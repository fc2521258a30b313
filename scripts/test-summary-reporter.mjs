// A reporter for Node's test runner, used by scripts/run-tests.mjs next to the spec reporter: it
// writes one JSON object with what the closing summary does not tell — per test file, how many
// tests ran, failed and were skipped (with the reasons). A file that registers no test at all is
// reported by the runner as a passing "test" named after the file; that is how it is recognised.
export default async function* summary(source) {
  const files = new Map();
  const entry = (file) => {
    if (!files.has(file)) files.set(file, { ran: 0, failed: 0, skipped: [], empty: false, loadFailed: false });
    return files.get(file);
  };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, name, nesting, skip, todo } = event.data;
    if (!file) continue;
    const f = entry(file);
    if (nesting === 0 && name === file) {
      // The file itself: it ran no test of its own (passed), or failed before or outside its tests.
      if (event.type === 'test:pass') f.empty = true;
      else f.loadFailed = true;
      continue;
    }
    if (nesting !== 0) continue; // subtests belong to a top-level test that is counted
    if (skip !== undefined || todo !== undefined) f.skipped.push({ name, reason: typeof skip === 'string' ? skip : typeof todo === 'string' ? todo : '' });
    else if (event.type === 'test:pass') f.ran++;
    else {
      f.ran++;
      f.failed++;
    }
  }
  yield JSON.stringify({ files: Object.fromEntries(files) }) + '\n';
}
