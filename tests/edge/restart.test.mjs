// Burns survive a restart: the Durable Object ledger persists with `--persist-to`, like production storage.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { FIXTURE, SECRETS, post, startCognito, startWorker, tempDir, testVars } from './helper.mjs';

test('a token burned before a wrangler restart is still replayed after it', async () => {
  const cognito = await startCognito();
  const persistTo = tempDir('handoff-persist-');
  const vars = testVars(cognito);
  const auth = `Bearer ${SECRETS.current}`;
  const user = cognito.user();
  let worker = await startWorker({ vars, persistTo });
  try {
    const at = await cognito.accessToken(user);
    const issued = await post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${at}` });
    assert.equal(issued.status, 201, issued.text);
    const body = { token: issued.json.token, sub: user.sub, username: user.username, client_id: FIXTURE.audiences[0] };
    assert.deepEqual((await post(`${worker.url}/v1/redeem`, { ...body, nonce: 'first' }, { auth })).json, { ok: true });
    await worker.stop();

    worker = await startWorker({ vars, persistTo });
    const replay = await post(`${worker.url}/v1/redeem`, { ...body, nonce: 'second' }, { auth });
    assert.deepEqual(replay.json, { ok: false, reason: 'replayed' });
    // The same nonce passes the KV record and reaches the ledger: only a persisted burn answers ok here (a
    // ledger that forgot the token would answer unknown_token).
    assert.deepEqual((await post(`${worker.url}/v1/redeem`, { ...body, nonce: 'first' }, { auth })).json, { ok: true });
  } finally {
    await worker.stop();
    await cognito.close();
    rmSync(persistTo, { recursive: true, force: true });
  }
});
