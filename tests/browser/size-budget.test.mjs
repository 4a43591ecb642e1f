// The size budgets (www/site.mjs `overBudget`, run by `cargo xtask build-web`): the built page's code (what every
// visit waits for) and its screens' code (what a failure screen waits for) are within theirs, and code over a budget
// fails the build with a message that names what is over, the files and the constant that holds the budget.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { codeSizes, overBudget } from '../../www/site.mjs';
import { ROOT, SITE } from './support.mjs';

// index.html counts by its inline boot script only.
const CODE = ['index.html', 'handoff.js', 'handoff_bg.wasm'].map((f) => join(SITE, 'handoff', f));
const SCREENS = ['screens.js', 'screens_bg.wasm'].map((f) => join(SITE, 'handoff', f));
const budget = (name) => Number(readFileSync(join(ROOT, 'xtask/src/web.rs'), 'utf8').match(new RegExp(`${name}: u32 = (\\d+);`))[1]);
const BUDGET_KB = budget('PAGE_CODE_BUDGET_KB');
const SCREENS_BUDGET_KB = budget('SCREENS_CODE_BUDGET_KB');

test('the built landing page and its screens are within their budgets', async () => {
  assert.equal(BUDGET_KB, 42, "issue 11's goal: no more code than the aws-amplify page it replaces");
  assert.equal(overBudget(await codeSizes(CODE), BUDGET_KB), null);
  assert.equal(overBudget(await codeSizes(SCREENS), SCREENS_BUDGET_KB), null);
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

test('screens over their budget fail the build step with their own name and constant', async () => {
  const rows = await codeSizes(SCREENS);
  const tight = Math.floor(rows.reduce((sum, r) => sum + r.gzip, 0) / 1024) - 1;
  const named = ['--subject', "the screens' code", '--constant', 'SCREENS_CODE_BUDGET_KB'];
  assert.throws(
    () => execFileSync('node', ['www/site.mjs', 'budget', String(tight), ...named, ...SCREENS], { cwd: ROOT, stdio: 'pipe' }),
    (err) => err.status === 1 &&
      new RegExp(`size budget: the screens' code is \\d+\\.\\d KB gzip \\(screens\\.js .*screens_bg\\.wasm .*\\), over its budget of ${tight} KB \\(SCREENS_CODE_BUDGET_KB`)
        .test(err.stderr.toString()),
  );
  assert.throws(
    () => execFileSync('node', ['www/site.mjs', 'budget', '72', '--colour', 'red', ...SCREENS], { cwd: ROOT, stdio: 'pipe' }),
    (err) => err.status === 1 && /budget: unknown or empty --colour/.test(err.stderr.toString()),
  );
  const ok = execFileSync('node', ['www/site.mjs', 'budget', String(SCREENS_BUDGET_KB), ...named, ...SCREENS], { cwd: ROOT });
  assert.match(ok.toString(), new RegExp(`the screens' code within ${SCREENS_BUDGET_KB} KB`));
});
