// The landing page against the REAL local stack (ministack Cognito + trigger bootstrap + edge under workerd +
// the static site), in Debian's Chromium: the mobile app's part (password sign-in, POST /v1/handoffs) is done
// here with fetch, then the link is opened like the system browser would.
//
// Uses a running stack (`.stack/env`), or starts one with `cargo xtask stack up` and stops it afterwards.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Landing, RECORD_FETCH_URLS, ROOT, launchChromium, requireSite } from './support.mjs';

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

describe('landing page on the real local stack', () => {
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
});
