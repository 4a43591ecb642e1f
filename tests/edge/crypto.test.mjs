// The worker's signature crypto, both ways it runs: node:crypto's synchronous one-shot calls (the shipped config's
// `nodejs_compat`) and WebCrypto (a config without the flag: edge/src/runtime_crypto.rs falls back). Either way its
// tokens verify with the published keys in another implementation (Node's own crypto, here), and it redeems,
// refuses a bad signature and checks Cognito's RS256 access tokens alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EDGE, FIXTURE, SECRETS, ensureBuilt, post, startCognito, startWorker, tempDir, testVars } from './helper.mjs';

const b64url = (text) => Buffer.from(text, 'base64url');

/** The edge's own config with the built worker, with or without `nodejs_compat`. */
function config(dir, nodeCompat) {
  const toml = readFileSync(join(EDGE, 'wrangler.toml'), 'utf8').replace(/^main = .*$/m, `main = ${JSON.stringify(ensureBuilt())}`);
  assert.match(toml, /^compatibility_flags = \["nodejs_compat"\]$/m, 'the shipped config turns node:crypto on');
  const path = join(dir, 'wrangler.toml');
  writeFileSync(path, nodeCompat ? toml : toml.replace(/^compatibility_flags = .*$/m, ''));
  return path;
}

for (const [name, nodeCompat] of [['node:crypto (nodejs_compat)', true], ['WebCrypto (no nodejs_compat)', false]]) {
  test(`with ${name}: tokens verify elsewhere, redeem once, and a bad signature is refused`, async () => {
    const cognito = await startCognito();
    const dir = tempDir('handoff-crypto-');
    const worker = await startWorker({ vars: testVars(cognito), configPath: config(dir, nodeCompat), cwd: dir });
    try {
      const user = cognito.user();
      const issued = await post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${await cognito.accessToken(user)}` });
      assert.equal(issued.status, 201, issued.text);
      const { token } = issued.json;

      // The signature, checked by Node's crypto with the public half of the signing key.
      const [header, payload, signature] = token.split('.');
      const { alg, kid } = JSON.parse(b64url(header));
      const { d, p, q, dp, dq, qi, ...pub } = JSON.parse(FIXTURE.privateJwks).keys.find((k) => k.kid === kid);
      const input = Buffer.from(`${header}.${payload}`);
      assert.ok(verify(alg === 'RS256' ? 'sha256' : null, input, createPublicKey({ key: pub, format: 'jwk' }), b64url(signature)), `${alg} signature`);

      const auth = `Bearer ${SECRETS.current}`;
      const body = { token, sub: user.sub, username: user.username, client_id: FIXTURE.audiences[0], nonce: 'n-1' };
      // One flipped bit in the signature's first byte.
      const flipped = b64url(signature);
      flipped[0] ^= 1;
      const forged = `${header}.${payload}.${flipped.toString('base64url')}`;
      assert.deepEqual((await post(`${worker.url}/v1/redeem`, { ...body, token: forged }, { auth })).json, { ok: false, reason: 'bad_signature' });
      assert.deepEqual((await post(`${worker.url}/v1/redeem`, body, { auth })).json, { ok: true });
      assert.deepEqual((await post(`${worker.url}/v1/redeem`, { ...body, nonce: 'n-2' }, { auth })).json, { ok: false, reason: 'replayed' });

      // Cognito's RS256 access token with a bad signature buys no link.
      const access = await cognito.accessToken(user);
      const [h, p2, s] = access.split('.');
      const bad = b64url(s);
      bad[0] ^= 1;
      const refused = await post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${h}.${p2}.${bad.toString('base64url')}` });
      assert.equal(refused.status, 401, refused.text);
      assert.equal(refused.json.error, 'invalid_access_token');
    } finally {
      await worker.stop();
      await cognito.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
