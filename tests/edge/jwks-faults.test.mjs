// The pool JWK Set fetch on a cold edge instance, in real workerd, with the JWK Set endpoint misbehaving:
// concurrent requests share one fetch instead of failing; a failed first fetch is retried within seconds, not a
// minute; a hanging endpoint times out; garbage is refused. Every failure is a clean 503 `unavailable`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCognito, startWorker, testVars, post } from './helper.mjs';

async function coldEdge(t, knobs = {}) {
  const cognito = await startCognito();
  Object.assign(cognito.state, knobs);
  // Registered first: a worker that fails to start must not leave the stand-in open (the file would never exit).
  t.after(() => cognito.close());
  const worker = await startWorker({ vars: testVars(cognito) });
  t.after(() => worker.stop());
  const issue = async (user = cognito.user('cold')) => {
    const at = await cognito.accessToken(user);
    return post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${at}` });
  };
  return { cognito, worker, issue };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a cold instance serves concurrent requests from one shared, slow JWK Set fetch (no 503)', async (t) => {
  const { cognito, issue } = await coldEdge(t, { delayMs: 800 });
  const answers = await Promise.all(Array.from({ length: 12 }, () => issue()));
  assert.deepEqual(answers.map((a) => a.status), Array(12).fill(201), JSON.stringify(answers.map((a) => a.json)));
  assert.equal(cognito.state.fetches, 1, 'one fetch for all of them');
});

test('a failed first fetch is retried within seconds, not after a minute', async (t) => {
  const { cognito, issue } = await coldEdge(t, { failNext: 1 });
  const first = await issue();
  assert.equal(first.status, 503);
  assert.equal(first.json.error, 'unavailable');
  assert.ok(!first.text.includes('500'), 'no upstream detail in the answer');
  await sleep(1_200);
  const later = await issue();
  assert.equal(later.status, 201, later.text);
  assert.equal(cognito.state.fetches, 2, 'one failed fetch, one retry: no fetch storm');
});

test('a hanging JWK Set endpoint times out into a 503, and the instance recovers', async (t) => {
  const { cognito, issue } = await coldEdge(t, { hang: true });
  const began = Date.now();
  const hung = await issue();
  const took = Date.now() - began;
  assert.equal(hung.status, 503);
  assert.equal(hung.json.error, 'unavailable');
  assert.ok(took < 5_000, `the request waited ${took} ms for a hanging endpoint`);
  cognito.state.hang = false;
  await sleep(1_200);
  const recovered = await issue();
  assert.equal(recovered.status, 201, recovered.text);
});

test('a JWK Set endpoint answering garbage is unavailable, never a crash or a 500', async (t) => {
  const { cognito, issue } = await coldEdge(t, { garbage: true });
  const answer = await issue();
  assert.equal(answer.status, 503);
  assert.equal(answer.json.error, 'unavailable');
  cognito.state.garbage = false;
  await sleep(1_200);
  assert.equal((await issue()).status, 201);
});
