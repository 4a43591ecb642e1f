// The landing page against the REAL local stack (ministack Cognito + trigger bootstrap + edge under workerd +
// the static site), in Debian's Chromium: the mobile app's part (password sign-in, POST /v1/handoffs) is done
// here with fetch, then the link is opened like the system browser would.
//
// Uses a running stack (`.stack/env`), or starts one with `cargo xtask stack up` and stops it afterwards.
// "Edge down" never stops the stack's edge (the other tests share it): it provisions a second pool on the same
// ministack whose Verify trigger points at a closed port, and serves the landing page configured for that pool.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SignJWT, importJWK } from 'jose';

import { Landing, RECORD_FETCH_URLS, ROOT, launchChromium, requireSite, startSite } from './support.mjs';

const ENV_FILE = join(ROOT, '.stack', 'env');

function readEnv() {
  const env = {};
  for (const line of readFileSync(ENV_FILE, 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0 && !line.startsWith('#')) env[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return env;
}

function xtask(...args) {
  const run = spawnSync('cargo', ['xtask', ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: run.status === 0, out: `${run.stdout}\n${run.stderr}` };
}

async function cognito(env, op, body) {
  const res = await fetch(env.COGNITO_ENDPOINT, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `AWSCognitoIdentityProviderService.${op}` },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, `${op}: ${JSON.stringify(json)}`);
  return json;
}

/** Plays the mobile app: signs in with the password, asks the edge for a link. */
async function newLink(env, redirect) {
  const signIn = await cognito(env, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: env.MOBILE_CLIENT_ID,
    AuthParameters: { USERNAME: env.DEMO_USERNAME, PASSWORD: env.DEMO_PASSWORD },
  });
  const res = await fetch(`${env.EDGE_URL}/v1/handoffs`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${signIn.AuthenticationResult.AccessToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(redirect ? { redirect } : {}),
  });
  const json = await res.json();
  assert.equal(res.status, 201, JSON.stringify(json));
  return json;
}

/** A handoff token signed with the stack's own dev key (`SIGNING_JWKS_FILE`), as the edge would issue it. */
async function mintToken(env, overrides = {}) {
  const { keys } = JSON.parse(readFileSync(env.SIGNING_JWKS_FILE, 'utf8'));
  const jwk = keys.find((k) => k.d) ?? keys[0];
  const alg = jwk.alg ?? (jwk.kty === 'OKP' ? 'EdDSA' : 'RS256');
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: env.ISSUER,
    aud: env.WEB_CLIENT_ID,
    sub: env.DEMO_SUB,
    username: env.DEMO_USERNAME,
    azp: env.MOBILE_CLIENT_ID,
    iat: now,
    nbf: now,
    exp: now + 60,
    jti: randomBytes(16).toString('base64url'),
    ...overrides,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'handoff+jwt', kid: jwk.kid })
    .sign(await importJWK(jwk, alg));
}

/** A loopback port where nothing listens (bound, then released). */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A second user pool on the same ministack whose Verify trigger points at a closed port: the edge is down for it,
 * while the stack's own edge keeps serving the other tests. `handoff provision` (the CLI the stack itself uses)
 * creates the pool, its clients, the demo user and the trigger function; prints KEY=VALUE lines.
 */
async function provisionEdgeDownPool(env) {
  const suffix = `${Date.now()}${randomBytes(2).toString('hex')}`;
  const run = spawnSync(join(ROOT, 'target', 'debug', 'handoff'), [
    'provision', '-q',
    '--edge', `http://127.0.0.1:${await closedPort()}`,
    '--redeem-secret', 'unused-secret',
    '--zip', join(ROOT, 'target', 'package', 'lambda', 'handoff-triggers-x86_64.zip'),
    '--function-name', `handoff-edge-down-${suffix}`,
    '--pool-name', `edge-down-${suffix}`,
    '--demo-username', env.DEMO_USERNAME,
  ], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HANDOFF_STACK_ENV: ENV_FILE } });
  assert.equal(run.status, 0, `handoff provision failed:\n${run.stderr}`);
  const out = {};
  for (const line of run.stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  assert.ok(out.WEB_CLIENT_ID && out.DEMO_SUB && out.USER_POOL_ID, run.stdout);
  return out;
}

describe('landing page on the real local stack', () => {
  const consoleLines = [];
  let env;
  let startedHere = false;
  let browser;

  before(async () => {
    requireSite();
    if (!existsSync(ENV_FILE) || !xtask('stack', 'status').out.includes('running')) {
      const up = xtask('stack', 'up');
      assert.ok(up.ok, `cargo xtask stack up failed:\n${up.out}`);
      startedHere = true;
    }
    env = readEnv();
    browser = await launchChromium();
    // Every page's console, scanned with the stack's logs by the last test.
    browser.context.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  });

  after(async () => {
    await browser?.close();
    if (startedHere) xtask('stack', 'down');
  });

  /** Opens `url` in a fresh page; records the requests that reach Cognito. */
  async function open(url) {
    const page = await browser.context.newPage();
    await page.addInitScript(RECORD_FETCH_URLS);
    const toCognito = [];
    const origin = new URL(env.COGNITO_ENDPOINT).origin;
    page.on('request', (r) => {
      // allHeaders(): what went on the wire (headers() may list a provisional empty Referer).
      if (r.url().startsWith(origin)) toCognito.push({ method: r.method(), headers: r.allHeaders() });
    });
    await page.goto(url);
    return { page, toCognito, landing: new Landing(page, { url: new URL(url).origin }) };
  }

  test('happy path: the demo app shows the user; no token left, two POSTs, no Referer', async () => {
    const link = await newLink(env, '/orders/42');
    assert.ok(link.url.startsWith(`${env.WEB_URL}#handoff=`), link.url);
    const { page, toCognito, landing } = await open(link.url);
    await page.waitForURL(`${new URL(env.APP_URL).origin}/orders/42`, { timeout: 20_000 });
    await page.locator('body[data-user]').waitFor({ timeout: 20_000 });
    const shown = await page.locator('#who').textContent();
    assert.match(shown, /^Signed in as /);
    // Shown by the real aws-amplify v6 (getCurrentUser + fetchAuthSession) in the demo app.
    assert.match(await page.locator('#details').textContent(), /CUSTOM_WITHOUT_SRP/);
    assert.ok(!page.url().includes('handoff='));
    assert.ok(!(await page.evaluate(() => location.href)).includes(link.token));
    const posts = toCognito.filter((r) => r.method === 'POST');
    assert.equal(posts.length, 2, 'exactly two POSTs to Cognito');
    for (const r of posts) assert.ok(!(await r.headers).referer, 'no Referer');
    const hrefs = await page.evaluate(() => JSON.parse(sessionStorage.getItem('__fetchHrefs') ?? '[]'));
    for (const href of hrefs) assert.ok(!href.includes('handoff='), `a fetch while the URL held the token: ${href}`);
    await landing.screenshot('stack-signed-in-app');
    await page.goBack().catch(() => {});
    assert.ok(!page.url().includes('handoff='));
    await page.close();

    // The same link again: burned by the edge, refused by Cognito.
    const replay = await open(link.url);
    const failure = await replay.landing.failure();
    assert.equal(failure.code, 'unusable');
    assert.equal(failure.title, "This link can't be used anymore");
    await replay.landing.screenshot('stack-error-already-used');
    await replay.page.close();
  });

  test('a forged signature is refused by the edge: "can\'t be used anymore", never signed in', async () => {
    const link = await newLink(env);
    const [header, payload, signature] = link.token.split('.');
    const flipped = signature[5] === 'A' ? 'B' : 'A';
    const forged = `${header}.${payload}.${signature.slice(0, 5)}${flipped}${signature.slice(6)}`;
    const { page, landing } = await open(`${env.WEB_URL}#handoff=${forged}`);
    assert.equal((await landing.failure()).code, 'unusable');
    assert.equal(await page.locator('body[data-user]').count(), 0);
    await page.close();
  });

  test('a redirect outside the allowlist in a tampered payload is never followed', async () => {
    const link = await newLink(env);
    const [header, payload, signature] = link.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims.redirect = '//evil.example/steal';
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const { page, toCognito, landing } = await open(`${env.WEB_URL}#handoff=${tampered}`);
    assert.equal((await landing.failure()).code, 'invalid');
    assert.equal(toCognito.length, 0, 'nothing sent to Cognito');
    assert.equal(new URL(page.url()).pathname, new URL(env.WEB_URL).pathname);
    await page.close();
  });

  test('expired shows "expired": a link signed with the stack\'s key, exp in the past, refused by the edge', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mintToken(env, { iat: now - 300, nbf: now - 300, exp: now - 240, redirect: '/orders/42' });
    const { page, toCognito, landing } = await open(`${env.WEB_URL}#handoff=${token}`);
    const failure = await landing.failure();
    assert.equal(failure.code, 'expired');
    assert.equal(failure.title, 'This link has expired');
    assert.equal(failure.retry, 0, 'no "try again" for an expired link');
    // The page does not trust its own clock: the edge refuses the link (and no one signs in).
    assert.equal(toCognito.filter((r) => r.method === 'POST').length, 2, 'InitiateAuth and RespondToAuthChallenge');
    assert.equal(await page.locator('body[data-user]').count(), 0);
    assert.ok(!page.url().includes('handoff='));
    await landing.screenshot('stack-error-expired');
    await page.close();
  });

  test('edge down shows the service error, not "can\'t be used", and signs no one in', async () => {
    const pool = await provisionEdgeDownPool(env);
    // The landing page configured for that pool's web client, served like the stack's own site.
    const site = await startSite({
      region: env.AWS_REGION,
      userPoolId: pool.USER_POOL_ID,
      clientId: pool.WEB_CLIENT_ID,
      cognitoEndpoint: `${env.COGNITO_ENDPOINT}/`,
      redirectAllowlist: ['/'],
      defaultRedirect: '/',
      appReturnUrl: '/',
      otherSignInUrl: '/',
    });
    try {
      const token = await mintToken(env, { aud: pool.WEB_CLIENT_ID, sub: pool.DEMO_SUB, redirect: '/orders/42' });
      const page = await browser.context.newPage();
      const answers = [];
      const cognitoOrigin = new URL(env.COGNITO_ENDPOINT).origin;
      page.on('response', async (r) => {
        if (r.url().startsWith(cognitoOrigin) && r.request().method() === 'POST') {
          answers.push({ status: r.status(), body: await r.text().catch(() => '') });
        }
      });
      const landing = new Landing(page, site);
      const began = Date.now();
      await landing.open(token);
      const failure = await landing.failure();
      const took = Date.now() - began;
      assert.equal(failure.code, 'misconfigured');
      assert.equal(failure.title, "Sign-in isn't working right now");
      assert.notEqual(failure.title, "This link can't be used anymore");
      assert.equal(failure.retry, 0);
      assert.ok(took < 10_000, `the error screen took ${took} ms`);
      // InitiateAuth got the challenge; the answer failed in the Verify trigger (ministack names it
      // InvalidLambdaResponseException, real Cognito UserLambdaValidationException): no tokens.
      assert.equal(answers.length, 2, JSON.stringify(answers));
      assert.equal(answers[0].status, 200);
      assert.equal(answers[1].status, 400);
      const error = JSON.parse(answers[1].body);
      assert.match(error.__type, /^(InvalidLambdaResponseException|UserLambdaValidationException)$/);
      assert.match(error.message, /\(unavailable\)/);
      assert.ok(!answers[1].body.includes('AuthenticationResult'));
      assert.equal(await page.locator('body[data-user]').count(), 0);
      assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('CognitoIdentityServiceProvider'))), []);
      await landing.screenshot('stack-error-edge-down');
      await page.close();
    } finally {
      await site.close();
    }
  });

  test('every log (edge, ministack, trigger, site) and the browser console holds no token, secret or nonce', async () => {
    const { scanStack } = await import('../stack/scan-logs.mjs');
    const { hits, sources, lines } = await scanStack({ extra: [{ name: 'browser console', text: consoleLines.join('\n') }] });
    assert.ok(sources >= 4 && lines > 0, `scanned ${sources} sources, ${lines} lines`);
    assert.deepEqual(hits, []);
  });
});
