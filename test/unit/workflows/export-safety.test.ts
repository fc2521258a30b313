/**
 * Issue 16 in the export workflows: a folder they write (the report next to an exported stack, a
 * copied model) replaces only a folder n2s wrote, with overwrite, never a user's folder or one that
 * holds or lies inside an input, and appears under its name only when complete. On the code before
 * this test, both overwrites deleted the user's folder recursively.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStack } from '../../../shared/stack.ts';
import { OutputExistsError } from '../../../main/errors.ts';
import { OWNER_MARKER } from '../../../main/io/index.ts';
import { copyModel, exportStack, reportDirFor } from '../../../main/workflows/export.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'n2s-export-safety-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const stack = () => makeStack(3, 8, 8, new Float32Array(3 * 64).map((_, i) => i % 17), { name: 'vol', dtype: 'uint16' });
const report = (title: string) => ({ title, parameters: { k: 1 }, timings: {}, plots: [] });
const oneLine = (e: unknown) => e instanceof OutputExistsError && !(e as Error).message.includes('\n');
/** Hidden temporary folders left next to the outputs (there must be none). */
const leftovers = (where: string) => readdirSync(where).filter((n) => n.startsWith('.') && /n2s-(partial|old)$/.test(n));

function fakeModel(at: string): string {
  mkdirSync(join(at, 'checkpoint'), { recursive: true });
  writeFileSync(join(at, 'config.json'), '{"model": true}');
  writeFileSync(join(at, 'weights.bin'), 'weights');
  writeFileSync(join(at, 'checkpoint', 'c.bin'), 'preview');
  return at;
}

test("a user's folder at the report's name survives an export with overwrite: one-line refusal, before the stack is written", async () => {
  const out = join(dir, 'user.tif');
  const userDir = reportDirFor(out);
  mkdirSync(userDir);
  writeFileSync(join(userDir, 'notes.txt'), 'my notes');
  await assert.rejects(exportStack({ path: out, overwrite: true }, { stack: stack(), protect: [], report: report('r') }), (e: unknown) => oneLine(e) && /did not write|refusing/.test((e as Error).message));
  assert.equal(readFileSync(join(userDir, 'notes.txt'), 'utf8'), 'my notes');
  assert.deepEqual(readdirSync(userDir), ['notes.txt']);
  assert.equal(existsSync(out), false, 'the refusal comes before the stack is written');
  assert.deepEqual(leftovers(dir), []);
});

test('a report folder the export wrote is replaced with overwrite (and refused without)', async () => {
  const out = join(dir, 'ours.tif');
  const first = await exportStack({ path: out }, { stack: stack(), protect: [], report: report('first') });
  const rdir = first.reportDir ?? '';
  assert.ok(existsSync(join(rdir, OWNER_MARKER)), 'the report folder carries the owner marker');
  writeFileSync(join(rdir, 'stale.txt'), 'from the first run');
  await assert.rejects(exportStack({ path: out }, { stack: stack(), protect: [], report: report('second') }), (e: unknown) => e instanceof Error && /already exists/.test(e.message));
  await exportStack({ path: out, overwrite: true }, { stack: stack(), protect: [], report: report('second') });
  assert.equal(JSON.parse(readFileSync(join(rdir, 'report.json'), 'utf8')).title, 'second');
  assert.equal(existsSync(join(rdir, 'stale.txt')), false, 'the old folder was replaced as a whole');
  assert.deepEqual(leftovers(dir), []);
});

test('a report folder that holds an input is refused', async () => {
  const out = join(dir, 'in-report.tif');
  const rdir = reportDirFor(out);
  mkdirSync(rdir);
  // Make it look like ours, so that only the input rule can refuse it.
  writeFileSync(join(rdir, OWNER_MARKER), JSON.stringify({ software: 'Noise2Stack Studio', kind: 'export report' }));
  writeFileSync(join(rdir, 'raw.tif'), 'the raw data');
  await assert.rejects(exportStack({ path: out, overwrite: true }, { stack: stack(), protect: [join(rdir, 'raw.tif')], report: report('r') }), (e: unknown) => oneLine(e) && /input/.test((e as Error).message));
  assert.equal(readFileSync(join(rdir, 'raw.tif'), 'utf8'), 'the raw data');
});

test("copyModel: a user's folder survives overwrite; a copy n2s made is replaced; the model itself is never a target", async () => {
  const model = fakeModel(join(dir, 'model'));
  const user = join(dir, 'user-models');
  mkdirSync(user);
  writeFileSync(join(user, 'thesis.docx'), 'two years of work');
  await assert.rejects(copyModel({ modelDir: model, path: user, overwrite: true }), (e: unknown) => oneLine(e) && /did not write/.test((e as Error).message));
  assert.deepEqual(readdirSync(user), ['thesis.docx']);

  const copy = join(dir, 'copy');
  await copyModel({ modelDir: model, path: copy });
  assert.deepEqual(readdirSync(copy).sort(), [OWNER_MARKER, 'config.json', 'weights.bin'].sort(), 'checkpoint left out, owner marker added');
  await assert.rejects(copyModel({ modelDir: model, path: copy }), (e: unknown) => oneLine(e) && /already exists/.test((e as Error).message));
  writeFileSync(join(copy, 'old.txt'), 'old');
  writeFileSync(join(model, 'weights.bin'), 'weights v2');
  await copyModel({ modelDir: model, path: copy, overwrite: true });
  assert.equal(readFileSync(join(copy, 'weights.bin'), 'utf8'), 'weights v2');
  assert.equal(existsSync(join(copy, 'old.txt')), false);

  // An empty folder (made by a save dialog) holds nothing to lose.
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  await copyModel({ modelDir: model, path: empty });
  assert.ok(existsSync(join(empty, 'config.json')));

  // Inside the model, or a folder that holds it (even one marked as ours): refused, model intact.
  await assert.rejects(copyModel({ modelDir: model, path: join(model, 'sub'), overwrite: true }), (e: unknown) => oneLine(e) && /input/.test((e as Error).message));
  await assert.rejects(copyModel({ modelDir: copy, path: dir, overwrite: true }), oneLine);
  assert.equal(readFileSync(join(model, 'config.json'), 'utf8'), '{"model": true}');
  assert.deepEqual(leftovers(dir), []);
});

test("a killed export's hidden partial folder (ours, dead writer) goes on the next export of that name; nothing else does", async () => {
  const model = fakeModel(join(dir, 'model2'));
  const target = join(dir, 'copy2');
  const deadPid = 2 ** 22 + 17; // above Linux's pid_max: no such process
  const stale = join(dir, `.copy2.${deadPid}.0badcafe.n2s-partial`);
  mkdirSync(stale);
  writeFileSync(join(stale, OWNER_MARKER), JSON.stringify({ software: 'Noise2Stack Studio', kind: 'model copy' }));
  writeFileSync(join(stale, 'weights.bin'), 'half');
  const usersLookalike = join(dir, `.copy2.${deadPid}.0badcafe.n2s-old`);
  mkdirSync(usersLookalike);
  writeFileSync(join(usersLookalike, 'mine.txt'), 'not n2s');
  await copyModel({ modelDir: model, path: target });
  assert.equal(existsSync(stale), false);
  assert.equal(readFileSync(join(usersLookalike, 'mine.txt'), 'utf8'), 'not n2s');
  rmSync(usersLookalike, { recursive: true });
});
