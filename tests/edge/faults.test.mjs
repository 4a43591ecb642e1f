// Fault injection in real workerd: the worker built with the test-only `faults` feature fails its Durable Object
// call or its KV read or write on request (`x-handoff-fault`). Every case must fail closed with the right reason,
// burn nothing that was not spent, and work again once the fault is gone. (The JWK Set endpoint's faults are in
// jwks-faults.test.mjs; the trigger's, against a slow, broken or down edge, in triggers/tests/bootstrap.rs.)

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { FIXTURE, SECRETS, ensureBuilt, startCognito, startWorker, testVars, post } from './helper.mjs';

describe('fault injection (faults build)', () => {
  let cognito;
  let worker;

  before(async () => {
    cognito = await startCognito();
    worker = await startWorker({ vars: testVars(cognito), shim: ensureBuilt({ features: ['faults'] }) });
  });
  after(async () => {
    await worker?.stop();
    await cognito?.close();
  });

  async function issue(user, fault) {
    const at = await cognito.accessToken(user);
    return post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${at}`, headers: fault ? { 'x-handoff-fault': fault } : {} });
  }

  function redeem(user, token, nonce, fault) {
    const body = { token, sub: user.sub, username: user.username, client_id: FIXTURE.audiences[0], nonce };
    return post(`${worker.url}/v1/redeem`, body, { auth: `Bearer ${SECRETS.current}`, headers: fault ? { 'x-handoff-fault': fault } : {} });
  }

  test('ledger down at issue: 503 unavailable, no token, and nothing counted against the limits', async () => {
    const user = cognito.user();
    for (let i = 0; i < 6; i += 1) {
      const res = await issue(user, 'ledger');
      assert.equal(res.status, 503, res.text);
      assert.equal(res.json.error, 'unavailable');
      assert.equal(res.json.token, undefined);
    }
    // Six failed issues later the user still has the whole allowance: 3 live tokens.
    for (let i = 0; i < 3; i += 1) assert.equal((await issue(user)).status, 201);
  });

  // Finding: the ledger recorded a token before it was signed, so an issue that failed later still counted.
  test('signing fails at issue: 500 internal, and the failure leaves no trace in the rate limits', async () => {
    const user = cognito.user();
    for (let i = 0; i < 6; i += 1) {
      const res = await issue(user, 'sign');
      assert.equal(res.status, 500, res.text);
      assert.equal(res.json.error, 'internal');
    }
    // 5 issues a minute and 3 live tokens are all still there.
    for (let i = 0; i < 3; i += 1) assert.equal((await issue(user)).status, 201);
  });

  test('ledger down at redeem: 503 (the trigger fails closed), nothing burned, the retry redeems', async () => {
    const user = cognito.user();
    const { token } = (await issue(user)).json;
    const down = await redeem(user, token, 'nonce-a', 'ledger');
    assert.equal(down.status, 503, down.text);
    assert.equal(down.json.error, 'unavailable');
    assert.deepEqual((await redeem(user, token, 'nonce-a')).json, { ok: true }, 'the same sign-in retried');
    assert.deepEqual((await redeem(user, token, 'nonce-b')).json, { ok: false, reason: 'replayed' });
  });

  test('KV unreadable: the ledger still decides (a replay is refused, a first use passes)', async () => {
    const user = cognito.user();
    const { token } = (await issue(user)).json;
    assert.deepEqual((await redeem(user, token, 'nonce-a', 'kv-read')).json, { ok: true });
    assert.deepEqual((await redeem(user, token, 'nonce-b', 'kv-read')).json, { ok: false, reason: 'replayed' });
  });

  test('KV unwritable: the burn still holds (the ledger is the source of truth), with a log line after the answer', async () => {
    const user = cognito.user();
    const { token } = (await issue(user)).json;
    assert.deepEqual((await redeem(user, token, 'nonce-a', 'kv-write')).json, { ok: true });
    assert.deepEqual((await redeem(user, token, 'nonce-b')).json, { ok: false, reason: 'replayed' });
    // The burn record is written after the answer (waitUntil), so its failure has a line of its own, after the
    // request's line, about the same token (by fingerprint).
    const fp = createHash('sha256').update(token).digest('hex').slice(0, 16);
    const late = `{"route":"redeem","status":200,"token_fp":"${fp}","detail":"KV write: injected fault: kv-write (after the answer)","ms":`;
    // Log lines reach wrangler's output a moment after the answers.
    const redeemLines = () => worker.output().split('\n')
      .filter((l) => l.startsWith('{"route":"redeem"') && l.includes(`"token_fp":"${fp}"`));
    for (let i = 0; i < 50 && redeemLines().length < 3; i += 1) await new Promise((r) => setTimeout(r, 100));
    const lines = redeemLines();
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0], /^\{"route":"redeem","status":200,"token_fp":"[0-9a-f]{16}","ms":\d+\}$/, 'the answer, no detail');
    assert.ok(lines[1].startsWith(late), lines[1]);
    assert.match(lines[2], /"reason":"replayed"/);
  });

  test('ledger down at bind and revoke: 503, and revoke works once it is back', async () => {
    const user = cognito.user();
    const { token } = (await issue(user)).json;
    const at = await cognito.accessToken(user);
    const revoke = await post(`${worker.url}/v1/revoke`, {}, { auth: `Bearer ${at}`, headers: { 'x-handoff-fault': 'ledger' } });
    assert.equal(revoke.status, 503);
    assert.deepEqual((await post(`${worker.url}/v1/revoke`, {}, { auth: `Bearer ${at}` })).json, { revoked: 1 });
    assert.deepEqual((await redeem(user, token, 'nonce-a')).json, { ok: false, reason: 'revoked' });
  });
});

test('a production build ignores the fault header', async () => {
  const cognito = await startCognito();
  const worker = await startWorker({ vars: testVars(cognito) });
  try {
    const at = await cognito.accessToken(cognito.user());
    const res = await post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${at}`, headers: { 'x-handoff-fault': 'ledger' } });
    assert.equal(res.status, 201, res.text);
  } finally {
    await worker.stop();
    await cognito.close();
  }
});
