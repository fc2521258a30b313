/**
 * files:upload (a file dropped on the page, which has no path in a browser): chunks appended in
 * order to a temp file under the app's output folder, which main may then open; the name cannot
 * lead out of that folder; out-of-order chunks and bad tokens are refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, test } from 'node:test';
import { testCore } from './helpers.ts';

const core = testCore();
after(() => core.dispose());

const upload = (payload: Record<string, unknown>) => core.dispatcher.dispatch('files:upload', payload);

test('chunks are appended in order and the file is one main may open', async () => {
  const a = await upload({ token: 'tok-12345678', name: 'stack.tif', offset: 0, data: new Uint8Array([1, 2, 3]) });
  assert.ok(a.ok, JSON.stringify(a));
  const b = await upload({ token: 'tok-12345678', name: 'stack.tif', offset: 3, data: new Uint8Array([4, 5]) });
  assert.ok(b.ok, JSON.stringify(b));
  const path = (b.value as { path: string }).path;
  assert.deepEqual([...readFileSync(path)], [1, 2, 3, 4, 5]);
  assert.equal(relative(core.info.outputDir, dirname(path)), join('uploads', 'tok-12345678'));
  assert.equal(core.services.paths.isAllowed(path), true);
});

test('a chunk at the wrong offset is refused with a readable message', async () => {
  await upload({ token: 'tok-abcdefgh', name: 'x.tif', offset: 0, data: new Uint8Array([1]) });
  const r = await upload({ token: 'tok-abcdefgh', name: 'x.tif', offset: 5, data: new Uint8Array([1]) });
  assert.ok(!r.ok);
  assert.match(r.error.message, /out of order: expected offset 1, got 5/);
});

test('a name with folders or leading dots stays inside the upload folder', async () => {
  const r = await upload({ token: 'tok-evil0000', name: '../../../etc/.passwd', offset: 0, data: new Uint8Array([7]) });
  assert.ok(r.ok, JSON.stringify(r));
  const path = (r.value as { path: string }).path;
  assert.equal(dirname(path), join(core.info.outputDir, 'uploads', 'tok-evil0000'));
  assert.equal(path.split(/[\\/]/).pop(), 'passwd');
});

test('a token that could name another folder is refused by the schema', async () => {
  for (const token of ['../up', 'short', 'UPPER-CASE-TOKEN']) {
    const r = await upload({ token, name: 'x.tif', offset: 0, data: new Uint8Array([1]) });
    assert.ok(!r.ok && r.error.code === 'bad-request', token);
  }
});
