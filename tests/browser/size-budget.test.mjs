// The landing page's size budget (www/site.mjs `overBudget`, run by `cargo xtask build-web`): the built page is
// within it, and a page over it fails the build with a message that names the files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { codeSizes, overBudget } from '../../www/site.mjs';
import { ROOT, SITE } from './support.mjs';

// index.html counts by its inline boot script only.
const CODE = ['index.html', 'handoff.js', 'handoff_bg.wasm'].map((f) => join(SITE, 'handoff', f));
const BUDGET_KB = Number(readFileSync(join(ROOT, 'xtask/src/web.rs'), 'utf8').match(/PAGE_CODE_BUDGET_KB: u32 = (\d+);/)[1]);

test('the built landing page is within its budget', async () => {
  assert.equal(overBudget(await codeSizes(CODE), BUDGET_KB), null);
});

test('a page over its budget fails the build step, naming the files and the budget', async () => {
  const rows = await codeSizes(CODE);
  const total = rows.reduce((sum, r) => sum + r.gzip, 0);
  const tight = Math.floor(total / 1024) - 1;
  const message = overBudget(rows, tight);
  assert.match(message, new RegExp(`over its budget of ${tight} KB`));
  assert.match(message, /handoff_bg\.wasm \d+\.\d KB/);
  // The boot script counts (about 1.8 KB gzip), the page's configuration and words do not.
  const boot = rows.find((r) => r.file.endsWith('index.html'));
  assert.ok(boot.gzip > 1000 && boot.gzip < 3000, `index.html's code: ${boot.gzip} bytes gzip`);
  assert.throws(
    () => execFileSync('node', ['www/site.mjs', 'budget', String(tight), ...CODE], { cwd: ROOT, stdio: 'pipe' }),
    (err) => err.status === 1 && /size budget: the landing page's code is/.test(err.stderr.toString()),
  );
  const ok = execFileSync('node', ['www/site.mjs', 'budget', String(BUDGET_KB), ...CODE], { cwd: ROOT }).toString();
  assert.match(ok, new RegExp(`within ${BUDGET_KB} KB`));
});
