// The edge worker's size budget (tests/edge/build.mjs, the test command's build-edge step): the release build is
// within it, and a worker over it fails the step with a message that names the files and the budget.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { ROOT, WORKER_BUDGET_KB, ensureBuilt, overWorkerBudget, workerSizes } from './helper.mjs';

const build = (...args) => spawnSync('node', [join(ROOT, 'tests', 'edge', 'build.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });

test('the release worker is within its budget', () => {
  ensureBuilt();
  const sizes = workerSizes();
  assert.deepEqual(sizes.map((s) => s.file), ['index_bg.wasm', 'index.js']);
  assert.ok(sizes.every((s) => s.gzip > 1000), JSON.stringify(sizes));
  assert.equal(overWorkerBudget(sizes, WORKER_BUDGET_KB), null);
  const ok = build();
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`within its ${WORKER_BUDGET_KB} KB budget`));
});

test('a worker over its budget fails the build step, naming the files and the budget', () => {
  ensureBuilt();
  const sizes = workerSizes();
  const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
  const tight = Math.floor(total / 1024) - 1;
  const message = overWorkerBudget(sizes, tight);
  assert.match(message, new RegExp(`over its budget of ${tight} KB`));
  assert.match(message, /index_bg\.wasm \d+\.\d KB, index\.js \d+\.\d KB/);
  const over = build('--budget', String(tight));
  assert.equal(over.status, 1);
  assert.match(over.stderr, /^error: size budget: the edge worker's code is \d+\.\d KB gzip/);
  const bad = build('--budget', 'lots');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--budget takes a size in KB, not lots/);
});
