// The edge worker in real workerd (`wrangler dev` as a process): issue, redeem, burn, revoke, rate limits,
// access tokens, the golden attack corpus over HTTP, and every bad input. Outcomes only, never timings.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import {
  ROOT, FIXTURE, SECRETS, startCognito, startWorker, testVars, post, postIdempotent, devProxy, signHandoff, handoffClaims,
} from './helper.mjs';

let cognito;
let worker;
/** Every credential the tests sent or received: none may appear in the worker's logs. */
const secrets = new Set([SECRETS.current, SECRETS.previous]);

before(async () => {
  cognito = await startCognito();
  worker = await startWorker({ vars: testVars(cognito) });
});

after(async () => {
  if (process.env.EDGE_TEST_LOG && worker) writeFileSync(process.env.EDGE_TEST_LOG, worker.output());
  await worker?.stop();
  await cognito?.close();
});

const redeemAuth = `Bearer ${SECRETS.current}`;

async function issue(user, body = {}, opts = {}) {
  const at = opts.accessToken ?? (await cognito.accessToken(user));
  secrets.add(at);
  const res = await post(`${worker.url}/v1/handoffs`, body, { auth: `Bearer ${at}`, ...opts });
  if (res.json?.token) secrets.add(res.json.token);
  return res;
}

async function issued(user, body = {}) {
  const res = await issue(user, body);
  assert.equal(res.status, 201, res.text);
  return res.json.token;
}

function redeemBody(token, user, overrides = {}) {
  return { token, sub: user.sub, username: user.username, client_id: FIXTURE.audiences[0], nonce: 'nonce-1', ...overrides };
}

async function redeem(token, user, overrides = {}, auth = redeemAuth) {
  secrets.add(token);
  const body = redeemBody(token, user, overrides);
  secrets.add(body.nonce);
  return postIdempotent(`${worker.url}/v1/redeem`, body, { auth });
}

/** Asserts a JSON error answer: exact status and code, the wire shape, and no token echoed. */
function assertError(res, status, code, token) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.deepEqual(Object.keys(res.json).sort(), ['error', 'message']);
  assert.equal(res.json.error, code);
  if (token) assert.ok(!res.text.includes(token), 'the answer echoes the token');
}

function assertRefused(res, reason, token) {
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { ok: false, reason });
  if (token) assert.ok(!res.text.includes(token));
}

describe('issue and redeem', () => {
  test('issue answers 201 with the token in the landing URL fragment', async () => {
    const user = cognito.user('alice');
    const res = await issue(user, { redirect: '/orders/42' });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.json).sort(), ['expires_in', 'token', 'url']);
    assert.equal(res.json.expires_in, 60);
    assert.equal(res.json.url, `https://app.handoff.test/handoff#handoff=${res.json.token}`);
    const payload = JSON.parse(Buffer.from(res.json.token.split('.')[1], 'base64url'));
    assert.equal(payload.sub, user.sub);
    assert.equal(payload.username, user.username);
    assert.equal(payload.aud, FIXTURE.audiences[0]);
    assert.equal(payload.azp, FIXTURE.mobileClient);
    assert.equal(payload.iss, FIXTURE.issuer);
    assert.equal(payload.redirect, '/orders/42');
    assert.equal(payload.exp - payload.iat, 60);
    assert.ok(Buffer.from(payload.jti, 'base64url').length >= 16);
    const header = JSON.parse(Buffer.from(res.json.token.split('.')[0], 'base64url'));
    assert.deepEqual(header, { alg: 'EdDSA', typ: 'handoff+jwt', kid: FIXTURE.edKid });
  });

  test('an empty body issues a token without redirect', async () => {
    const user = cognito.user();
    const at = await cognito.accessToken(user);
    const res = await post(`${worker.url}/v1/handoffs`, undefined, { auth: `Bearer ${at}`, contentType: null });
    assert.equal(res.status, 201, res.text);
    secrets.add(res.json.token);
    assert.equal(JSON.parse(Buffer.from(res.json.token.split('.')[1], 'base64url')).redirect, undefined);
  });

  test('redeem ok; another nonce is replayed; the same nonce is ok again', async () => {
    const user = cognito.user();
    const token = await issued(user);
    assert.deepEqual((await redeem(token, user, { nonce: 'nonce-a' })).json, { ok: true });
    assertRefused(await redeem(token, user, { nonce: 'nonce-b' }), 'replayed', token);
    assert.deepEqual((await redeem(token, user, { nonce: 'nonce-a' })).json, { ok: true });
    assertRefused(await redeem(token, user, { nonce: 'nonce-c' }), 'replayed', token);
  });

  test('50 concurrent redeems of one token: exactly one ok', async () => {
    const user = cognito.user();
    const token = await issued(user);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => redeem(token, user, { nonce: `race-${i}` })),
    );
    const ok = results.filter((r) => r.json?.ok === true);
    assert.equal(ok.length, 1);
    for (const r of results.filter((x) => x.json?.ok !== true)) assertRefused(r, 'replayed', token);
  });

  test('200 tokens x 5 concurrent redeems: exactly 200 ok', async (t) => {
    const resentBefore = devProxy.resent;
    const users = Array.from({ length: 200 }, () => cognito.user('many'));
    const tokens = [];
    for (let i = 0; i < users.length; i += 20) {
      tokens.push(...(await Promise.all(users.slice(i, i + 20).map((u) => issued(u)))));
    }
    const attempts = [];
    tokens.forEach((token, i) => {
      for (let k = 0; k < 5; k += 1) attempts.push([token, users[i], `n-${i}-${k}`]);
    });
    const results = [];
    for (let i = 0; i < attempts.length; i += 100) {
      const batch = attempts.slice(i, i + 100).map(([token, u, nonce]) => redeem(token, u, { nonce }));
      results.push(...(await Promise.all(batch)));
    }
    t.diagnostic(`POSTs the dev proxy lost and the test sent again: ${devProxy.resent - resentBefore}`);
    const odd = results.filter((r) => r.json?.ok !== true && r.json?.reason !== 'replayed');
    assert.deepEqual(odd.map((r) => `${r.status} ${r.text}`), []);
    assert.equal(results.filter((r) => r.json?.ok === true).length, 200);
    assert.equal(results.filter((r) => r.json?.reason === 'replayed').length, 800);
  });

  test('the rotation (second) redeem secret is accepted; a wrong one is 401', async () => {
    const user = cognito.user();
    const token = await issued(user);
    assertError(await redeem(token, user, {}, 'Bearer wrong-secret-0123456789'), 401, 'unauthorized', token);
    assertError(await redeem(token, user, {}, `Bearer ${SECRETS.current}x`), 401, 'unauthorized', token);
    assertError(await redeem(token, user, {}, `Basic ${SECRETS.current}`), 401, 'unauthorized', token);
    assertError(await redeem(token, user, {}, null), 401, 'unauthorized', token);
    assert.deepEqual((await redeem(token, user, {}, `Bearer ${SECRETS.previous}`)).json, { ok: true });
  });

  test('the public keys are served', async () => {
    const res = await fetch(`${worker.url}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    const jwks = await res.json();
    assert.deepEqual(jwks.keys.map((k) => k.kid), [FIXTURE.edKid, FIXTURE.rsaKid]);
    for (const key of jwks.keys) for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[m], undefined);
    const health = await fetch(`${worker.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { ok: true });
  });
});

describe('revoke and rate limits', () => {
  test('revoke drops live tokens; they then redeem as revoked', async () => {
    const user = cognito.user();
    const [a, b] = [await issued(user), await issued(user)];
    assert.deepEqual((await redeem(a, user)).json, { ok: true });
    const at = await cognito.accessToken(user);
    secrets.add(at);
    const res = await post(`${worker.url}/v1/revoke`, undefined, { auth: `Bearer ${at}`, contentType: null });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { revoked: 1 });
    assertRefused(await redeem(b, user), 'revoked', b);
    assert.deepEqual((await redeem(a, user)).json, { ok: true }, 'a burned token stays burned by its nonce');
    const again = await post(`${worker.url}/v1/revoke`, {}, { auth: `Bearer ${at}` });
    assert.deepEqual(again.json, { revoked: 0 });
  });

  test('a signed-out (revoked) access token buys no link: 401 access_token_revoked, and revoking links still works', async () => {
    const user = cognito.user();
    const at = await cognito.accessToken(user);
    secrets.add(at);
    const ok = await issue(user, {}, { accessToken: at });
    assert.equal(ok.status, 201, ok.text);
    // Real Cognito refuses a revoked access token in GetUser (tests/fixtures/cognito-api/error-get-user-revoked.json).
    // The edge trusts a current answer for at most 30 s: a fresh token stands for one signed out since.
    const signedOut = await cognito.accessToken(user);
    secrets.add(signedOut);
    cognito.state.revoked.add(signedOut);
    const res = await issue(user, {}, { accessToken: signedOut });
    assertError(res, 401, 'access_token_revoked');
    // Revoking links with it is still allowed (apps revoke links while signing out).
    const revoke = await post(`${worker.url}/v1/revoke`, {}, { auth: `Bearer ${signedOut}` });
    assert.equal(revoke.status, 200, revoke.text);
  });

  test('GetUser failing makes issuing fail closed (503 unavailable), not open', async () => {
    const user = cognito.user();
    cognito.state.getUserFails = true;
    try {
      assertError(await issue(user), 503, 'unavailable');
    } finally {
      cognito.state.getUserFails = false;
    }
    assert.equal((await issue(user)).status, 201);
  });

  test('more than 3 live tokens: 429 with Retry-After', async () => {
    const user = cognito.user();
    for (let i = 0; i < 3; i += 1) await issued(user);
    const res = await issue(user);
    assertError(res, 429, 'rate_limited');
    const retry = Number(res.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  });

  test('more than 5 issues a minute: 429 even after revoking', async () => {
    const user = cognito.user();
    for (let i = 0; i < 3; i += 1) await issued(user);
    const at = await cognito.accessToken(user);
    secrets.add(at);
    assert.equal((await post(`${worker.url}/v1/revoke`, {}, { auth: `Bearer ${at}` })).json.revoked, 3);
    await issued(user);
    await issued(user);
    const res = await issue(user);
    assertError(res, 429, 'rate_limited');
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
  });
});

describe('redeem refusals', () => {
  test('expired, not yet valid, wrong audience, wrong user, bad signature, unknown token', async () => {
    const user = cognito.user();
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      ['expired', { iat: now - 120, nbf: now - 120, exp: now - 60 }, {}],
      ['not_yet_valid', { iat: now + 30, nbf: now + 30, exp: now + 90 }, {}],
      ['wrong_audience', { aud: 'web-client-unknown' }, {}],
      ['wrong_issuer', { iss: 'https://evil.example' }, {}],
      ['lifetime_too_long', { exp: now + 3600 }, {}],
      ['missing_claim', { username: undefined }, {}],
      // Never issued here: the signature and claims are fine, the ledger has no record.
      ['unknown_token', {}, {}],
    ];
    for (const [reason, claims] of cases) {
      const token = await signHandoff(handoffClaims(user, claims));
      assertRefused(await redeem(token, user), reason, token);
    }
    const rsa = await signHandoff(handoffClaims(user), { alg: 'RS256' });
    assertRefused(await redeem(rsa, user), 'unknown_token', rsa);

    const token = await issued(user);
    assertRefused(await redeem(token, user, { client_id: FIXTURE.audiences[1] }), 'wrong_audience', token);
    assertRefused(await redeem(token, user, { sub: cognito.user().sub }), 'wrong_user', token);
    assertRefused(await redeem(token, user, { username: 'mallory' }), 'wrong_user', token);
    const [h, p, s] = token.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[5] ^= 1;
    const flipped = `${h}.${p}.${sig.toString('base64url')}`;
    assertRefused(await redeem(flipped, user), 'bad_signature', flipped);
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), username: 'mallory' })).toString('base64url');
    assertRefused(await redeem(`${h}.${forged}.${s}`, { ...user, username: 'mallory' }), 'bad_signature');
    // None of the refusals burned it.
    assert.deepEqual((await redeem(token, user)).json, { ok: true });
  });

  test('the golden attack corpus answers its reason codes over HTTP', async () => {
    const corpus = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', 'tokens.json'), 'utf8'));
    assert.equal(corpus.policy.issuer, FIXTURE.issuer);
    const user = { sub: '7d3c0a4e-52b1-4c8e-9f0a-1b2c3d4e5f60', username: 'alice' };
    const now = Math.floor(Date.now() / 1000);
    // The corpus's clock is fixed in the past. Reasons found before the time checks stand as they are; the
    // ones decided at or after the time checks (`ok`, `expired`, `not_yet_valid`, ...) become `expired` when
    // the token's exp has passed, and are skipped otherwise.
    const timeDependent = new Set(['ok', 'expired', 'not_yet_valid', 'lifetime_too_long', 'invalid_claim']);
    let checked = 0;
    for (const c of corpus.cases) {
      let expect = c.expect;
      if (timeDependent.has(expect)) {
        let exp;
        try { exp = JSON.parse(Buffer.from(c.token.split('.')[1], 'base64url')).exp; } catch { exp = undefined; }
        if (typeof exp !== 'number' || exp + 5 > now) continue;
        expect = 'expired';
      }
      const res = await redeem(c.token, user, { nonce: `corpus-${c.name}` });
      assert.equal(res.status, 200, `${c.name}: ${res.text}`);
      assert.deepEqual(res.json, { ok: false, reason: expect }, c.name);
      if (c.token.length > 20) assert.ok(!res.text.includes(c.token), c.name);
      checked += 1;
    }
    assert.ok(checked >= 60, `only ${checked} corpus cases checked`);
  });
});

describe('access tokens for issue', () => {
  const cases = [
    ['expired', { exp: () => Math.floor(Date.now() / 1000) - 60 }],
    ['wrong client', { client_id: 'web-client-test' }],
    ['id token instead of access token', { token_use: 'id', client_id: undefined, aud: FIXTURE.mobileClient }],
    ['wrong issuer', { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OTHER' }],
    ['missing username', { username: undefined }],
  ];
  for (const [name, claims] of cases) {
    test(`${name}: 401 invalid_access_token`, async () => {
      const resolved = Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, typeof v === 'function' ? v() : v]));
      const at = await cognito.accessToken(cognito.user(), resolved);
      assertError(await issue(null, {}, { accessToken: at }), 401, 'invalid_access_token', at);
    });
  }

  test('garbage, a bad signature and a handoff token are refused', async () => {
    const good = await cognito.accessToken(cognito.user());
    const [h, p, s] = good.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[0] ^= 1;
    const handoff = await signHandoff(handoffClaims(cognito.user()));
    const none = `${Buffer.from('{"alg":"none","kid":"test-pool-rsa"}').toString('base64url')}.${p}.`;
    for (const at of ['garbage', 'a.b.c', `${h}.${p}.${sig.toString('base64url')}`, handoff, none]) {
      assertError(await issue(null, {}, { accessToken: at }), 401, 'invalid_access_token', at.length > 10 ? at : undefined);
    }
  });

  test('an unknown kid refetches the pool keys at most once a minute', async () => {
    const user = cognito.user();
    await issued(user); // the pool keys are cached by now
    const before = cognito.state.fetches;
    for (let i = 0; i < 3; i += 1) {
      const at = await cognito.accessToken(user, {}, { kid: `rotated-${i}` });
      assertError(await issue(null, {}, { accessToken: at }), 401, 'invalid_access_token', at);
    }
    assert.ok(cognito.state.fetches - before <= 1, `${cognito.state.fetches - before} refetches`);
  });

  test('a redirect outside the allowlist is 400 bad_redirect', async () => {
    for (const redirect of ['//evil.example', 'https://evil.example/', '/admin', '/orders/../admin', '/%2e%2e/x']) {
      assertError(await issue(cognito.user(), { redirect }), 400, 'bad_redirect');
    }
    assert.equal((await issue(cognito.user(), { redirect: '/account/settings' })).status, 201);
  });
});

describe('bad input is a JSON error, never a 500 or an echo', () => {
  test('missing and garbled Authorization', async () => {
    for (const auth of [null, '', 'Bearer', 'Bearer ', 'Token abc', 'Bearer a b', 'Bearer "x"']) {
      assertError(await post(`${worker.url}/v1/handoffs`, {}, { auth }), 401, 'unauthorized');
      assertError(await post(`${worker.url}/v1/revoke`, {}, { auth }), 401, 'unauthorized');
      assertError(await post(`${worker.url}/v1/redeem`, {}, { auth }), 401, 'unauthorized');
    }
  });

  test('malformed JSON, unknown and missing fields, wrong types', async () => {
    const user = cognito.user();
    const token = await issued(user);
    const good = redeemBody(token, user);
    const bodies = [
      `{"token": "${token}"`,
      'not json',
      JSON.stringify({ ...good, extra: true }),
      JSON.stringify({ ...good, nonce: undefined }),
      JSON.stringify({ ...good, sub: 42 }),
      JSON.stringify([good]),
      JSON.stringify({ ...good, nonce: '' }),
      '',
    ];
    for (const body of bodies) {
      assertError(await post(`${worker.url}/v1/redeem`, body, { auth: redeemAuth }), 400, 'bad_request', token);
    }
    const at = await cognito.accessToken(user);
    secrets.add(at);
    for (const body of ['{', '{"redirect": 5}', '{"redirect": "/orders", "x": 1}', '[]']) {
      assertError(await post(`${worker.url}/v1/handoffs`, body, { auth: `Bearer ${at}` }), 400, 'bad_request', at);
    }
    assert.deepEqual((await redeem(token, user)).json, { ok: true }, 'bad requests did not burn the token');
  });

  test('wrong content type: 415', async () => {
    const user = cognito.user();
    const token = await issued(user);
    const body = JSON.stringify(redeemBody(token, user));
    for (const contentType of [null, 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      assertError(await post(`${worker.url}/v1/redeem`, body, { auth: redeemAuth, contentType }), 415, 'unsupported_media_type', token);
    }
  });

  test('a body over 8 KiB: 413, with or without Content-Length', async () => {
    const user = cognito.user();
    const token = await issued(user);
    const big = JSON.stringify(redeemBody(token, user, { nonce: 'x'.repeat(9000) }));
    assertError(await post(`${worker.url}/v1/redeem`, big, { auth: redeemAuth }), 413, 'payload_too_large', token);
    // Chunked, no Content-Length: the streamed read enforces the cap.
    const res = await new Promise((resolve, reject) => {
      const url = new URL(`${worker.url}/v1/redeem`);
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
          headers: { 'content-type': 'application/json', authorization: redeemAuth, 'transfer-encoding': 'chunked' } },
        (r) => {
          let text = '';
          r.on('data', (d) => { text += d; });
          r.on('end', () => resolve({ status: r.statusCode, headers: new Headers(r.headers), text, json: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i += 1) req.write(big.slice(i * 1000, (i + 1) * 1000));
      req.end(big.slice(10_000));
    });
    assertError(res, 413, 'payload_too_large', token);
    const issueBig = JSON.stringify({ redirect: `/orders/${'a'.repeat(9000)}` });
    const at = await cognito.accessToken(user);
    secrets.add(at);
    assertError(await post(`${worker.url}/v1/handoffs`, issueBig, { auth: `Bearer ${at}` }), 413, 'payload_too_large');
  });

  test('wrong method: 405 with Allow; unknown path: 404', async () => {
    for (const [method, path, allow] of [
      ['GET', '/v1/handoffs', 'POST'], ['PUT', '/v1/redeem', 'POST'], ['DELETE', '/v1/revoke', 'POST'],
      ['POST', '/.well-known/jwks.json', 'GET, HEAD'], ['POST', '/healthz', 'GET, HEAD'],
    ]) {
      const res = await fetch(`${worker.url}${path}`, { method });
      const text = await res.text();
      assertError({ status: res.status, headers: res.headers, text, json: JSON.parse(text) }, 405, 'method_not_allowed');
      assert.equal(res.headers.get('allow'), allow);
    }
    for (const path of ['/', '/v1', '/v1/redeem/extra', '/bench/verify', '/.env']) {
      const res = await fetch(`${worker.url}${path}`, { method: 'POST' });
      const text = await res.text();
      assertError({ status: res.status, headers: res.headers, text, json: JSON.parse(text) }, 404, 'not_found');
    }
  });
});

describe('logs', () => {
  test('are JSON lines with reason codes and fingerprints, never a token, secret or nonce', async () => {
    await new Promise((r) => setTimeout(r, 200)); // let the last lines arrive
    const output = worker.output();
    const lines = output.split('\n').filter((l) => l.startsWith('{"route"'));
    assert.ok(lines.length > 100, `only ${lines.length} log lines`);
    for (const line of lines) {
      const entry = JSON.parse(line);
      assert.equal(typeof entry.status, 'number');
      if (entry.token_fp) assert.match(entry.token_fp, /^[0-9a-f]{16}$/);
    }
    assert.ok(lines.some((l) => l.includes('"reason":"replayed"')));
    const leaks = [...secrets].filter((s) => s.length >= 12 && output.includes(s));
    assert.deepEqual(leaks.map((s) => s.slice(0, 12)), []);
    // Signatures are the unforgeable part: not even one of those may appear.
    for (const s of secrets) {
      const signature = s.split('.')[2];
      if (signature && signature.length >= 20) assert.ok(!output.includes(signature), 'a signature is in the logs');
    }
  });
});
