// The landing page in Debian's Chromium (playwright-core), one test per behaviour.
//
// Cognito here is the loopback stand-in of cognito-standin.mjs, which answers like real Cognito: it proves the
// PAGE's behaviour (scrub before any request, no Referer, exactly two POSTs, the Amplify keys, the screens). With
// `edgeUrl` in the config, the edge's context binding endpoint is the stand-in of edge-standin.mjs.
// The real-stack versions (ministack + trigger bootstrap + edge, driven through `.stack/env`) come when
// `cargo xtask stack up` exists.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { jwt, startCognito } from './cognito-standin.mjs';
import { startEdge } from './edge-standin.mjs';
import { headersFile, inlineScripts, scriptHash } from '../../www/site.mjs';
import {
  CLIENT_ID,
  Landing,
  RECORD_FETCH_URLS,
  floorRule,
  handoffToken,
  launchChromium,
  siteConfig,
  startSite,
} from './support.mjs';

const PREFIX = `CognitoIdentityServiceProvider.${CLIENT_ID}`;

describe('landing page', () => {
  let cognito;
  let site;
  let browser;
  // Sites a test starts with another configuration: closed once the browser (whose keep-alive connections would
  // hold a server's close) is gone.
  const otherSites = [];

  before(async () => {
    cognito = await startCognito({ clientId: CLIENT_ID, users: { alice: 'u-alice', mallory: 'u-mallory' } });
    site = await startSite(siteConfig(cognito.endpoint));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    for (const other of otherSites) await other.close();
    await cognito?.close();
  });

  /** A fresh page (new tab, storage cleared: the tabs share one origin) with the fetch recorder installed. */
  async function freshPage(on = site) {
    const page = await browser.context.newPage();
    await page.addInitScript(RECORD_FETCH_URLS);
    await clearStorage(page, on);
    return page;
  }

  /**
   * Holds the page's wasm back until `ready()` is true (10 s at most), then runs `before()` and lets it through.
   * Returns `{released}`: a promise of what `snapshot()` said at that moment.
   */
  async function holdWasmUntil(page, { ready, snapshot = () => null, before = async () => {} }) {
    let done;
    const released = new Promise((resolve) => { done = resolve; });
    await page.route('**/handoff/handoff_bg.wasm', async (route) => {
      const until = Date.now() + 10_000;
      while (!ready() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      const seen = snapshot();
      await before();
      done(seen);
      await route.continue();
    });
    return { released };
  }

  /** The paths of the screens' files (the second wasm) the page requests from now on, as they happen. */
  function screenRequests(page) {
    const paths = [];
    page.on('request', (r) => {
      const { pathname } = new URL(r.url());
      if (pathname.startsWith('/handoff/screens')) paths.push(pathname);
    });
    return paths;
  }

  /** The Cognito operations the stand-in has received, in order. */
  const operations = () => cognito.posts().map((r) => r.target.split('.').pop());

  async function clearStorage(page, on = site) {
    await page.goto(`${on.url}/app/app.js`);
    await page.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
  }

  test('the site sends the security headers and wasm as application/wasm', async () => {
    const landing = await fetch(`${site.url}/handoff`);
    assert.equal(landing.status, 200);
    assert.equal(landing.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(landing.headers.get('x-content-type-options'), 'nosniff');
    const html = await landing.text();
    // One inline script, the boot script, allowed by its hash and nothing else inline ('unsafe-inline' is absent).
    const scripts = inlineScripts(html);
    assert.equal(scripts.length, 1, 'one inline script');
    assert.match(scripts[0], /handoffFragment/, 'the boot script');
    assert.equal(
      landing.headers.get('content-security-policy'),
      `default-src 'none'; script-src 'self' 'wasm-unsafe-eval' ${scriptHash(scripts[0])}; ` +
        `connect-src 'self' ${new URL(cognito.endpoint).origin}; ` +
        "style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    );
    assert.match(html, /<noscript>/);
    // (The boot script names Cognito's default endpoint in code; the markup loads nothing from elsewhere.)
    assert.doesNotMatch(html.replace(scripts[0], ''), /https?:\/\/(?!127\.0\.0\.1)/, 'no third-party asset');
    const config = JSON.parse(html.match(/id="handoff-config">([^<]*)</)[1]);
    assert.equal(config.cognitoEndpoint, cognito.endpoint);
    const wasm = await fetch(`${site.url}/handoff/handoff_bg.wasm`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal(wasm.headers.get('referrer-policy'), 'no-referrer');
  });

  test('the CSP allows the boot script by its hash only: an injected inline script does not run', async () => {
    const page = await freshPage();
    const violations = [];
    page.on('console', (m) => m.text().includes('Content Security Policy') && violations.push(m.text()));
    // The page as served (its own headers), with one more inline script, as markup injection would add it.
    await page.route(`${site.url}/handoff`, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace('</head>', '<script>globalThis.injected = 1;</script></head>');
      await route.fulfill({ response, body });
    });
    await page.goto(`${site.url}/handoff#handoff=${handoffToken()}`);
    await page.waitForFunction(() => location.hash === '', null, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => globalThis.injected), undefined, 'the injected script ran');
    assert.equal(violations.length, 1, `CSP reports: ${violations.join(' | ')}`);
    assert.match(violations[0], /inline script/);
  });

  test('the benchmark\'s floor page runs only where the benchmark allows its script, never under the site\'s headers', async () => {
    const token = handoffToken({ redirect: '/orders/42' });
    // Under the site's own headers (which production copies): the CSP refuses the inline script; nothing is sent.
    cognito.reset();
    const refused = await freshPage();
    const violation = refused.waitForEvent('console', (m) => m.text().includes('Content Security Policy'));
    await refused.goto(`${site.url}/bench/floor/#handoff=${token}`);
    assert.match((await violation).text(), /script-src/);
    assert.deepEqual(operations(), []);
    await refused.close();
    // Under the benchmark's rule: a real sign-in, the two calls, the session where Amplify reads it, the redirect.
    const bench = await startSite(siteConfig(cognito.endpoint), [floorRule()]);
    try {
      const page = await freshPage(bench);
      await page.goto(`${bench.url}/bench/floor/#handoff=${token}`);
      await page.waitForURL(`${bench.url}/orders/42`, { timeout: 15_000 });
      assert.deepEqual(operations(), ['InitiateAuth', 'RespondToAuthChallenge']);
      // Cognito's canonical username (its ChallengeParameters.USERNAME), as both real pages store it.
      assert.equal(await page.evaluate((k) => localStorage.getItem(k), `${PREFIX}.LastAuthUser`), 'u-alice');
      await page.close();
    } finally {
      await bench.close();
    }
  });

  test('happy path: scrubs first, two POSTs without Referer, Amplify keys, lands on the redirect', async () => {
    const page = await freshPage();
    await clearStorage(page);
    const cspViolations = [];
    page.on('console', (m) => m.text().includes('Content Security Policy') && cspViolations.push(m.text()));
    // No edgeUrl in this site's config: no call to anything but the site and Cognito (no bind call).
    const elsewhere = [];
    page.on('request', (r) => {
      const origin = new URL(r.url()).origin;
      if (origin !== site.url && origin !== new URL(cognito.endpoint).origin) elsewhere.push(r.url());
    });
    const screens = screenRequests(page);
    cognito.reset();
    const token = handoffToken({ redirect: '/orders/42' });
    const landing = new Landing(page, site);
    await landing.open(token);
    await page.waitForURL(`${site.url}/orders/42`, { timeout: 15_000 });
    assert.deepEqual(screens, [], 'the happy path never downloads the screens');
    await page.locator('body[data-user="u-alice"]').waitFor();
    assert.equal(await page.locator('#who').textContent(), 'Signed in as u-alice');
    // Shown by the real aws-amplify v6 (getCurrentUser + fetchAuthSession) in the demo app.
    assert.match(await page.locator('#details').textContent(), /CUSTOM_WITHOUT_SRP/);

    const posts = cognito.posts();
    assert.deepEqual(
      posts.map((r) => r.target),
      ['AWSCognitoIdentityProviderService.InitiateAuth', 'AWSCognitoIdentityProviderService.RespondToAuthChallenge'],
    );
    assert.equal(posts[0].body.AuthParameters.USERNAME, 'alice');
    assert.equal(posts[1].body.ChallengeResponses.USERNAME, 'u-alice', 'USERNAME from ChallengeParameters');
    assert.equal(posts[1].body.ChallengeResponses.ANSWER, token);
    assert.ok(cognito.preflights().length <= 1, `at most one CORS preflight, got ${cognito.preflights().length}`);
    for (const r of cognito.state.requests) assert.equal(r.referer, null, `${r.method} ${r.target} sent a Referer`);

    const hrefs = await page.evaluate(() => JSON.parse(sessionStorage.getItem('__fetchHrefs') ?? '[]'));
    const cognitoFetches = hrefs.length;
    assert.ok(cognitoFetches >= 2, `fetch calls recorded: ${cognitoFetches}`);
    for (const href of hrefs) assert.ok(!href.includes('handoff='), `fetch while the URL held the token: ${href}`);
    assert.ok(!page.url().includes(token));

    const keys = await page.evaluate(() => Object.keys(localStorage).sort());
    assert.deepEqual(keys, [
      `${PREFIX}.LastAuthUser`,
      `${PREFIX}.u-alice.accessToken`,
      `${PREFIX}.u-alice.clockDrift`,
      `${PREFIX}.u-alice.idToken`,
      `${PREFIX}.u-alice.refreshToken`,
      `${PREFIX}.u-alice.signInDetails`,
    ]);
    const details = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), `${PREFIX}.u-alice.signInDetails`));
    assert.deepEqual(details, { loginId: 'u-alice', authFlowType: 'CUSTOM_WITHOUT_SRP' });
    await landing.screenshot('signed-in-app');
    assert.deepEqual(cspViolations, []);
    assert.deepEqual(elsewhere, []);

    // The landing entry was replaced: going back never shows the token.
    await page.goBack().catch(() => {});
    assert.ok(!page.url().includes('handoff='), page.url());
    await page.close();
  });

  test('replay shows "can\'t be used anymore" with both ways out', async () => {
    const page = await freshPage();
    const token = handoffToken({ username: 'u-alice' }); // the canonical username, as the edge writes it
    await new Landing(page, site).open(token);
    await page.waitForURL(/\/orders\/42$/, { timeout: 15_000 });
    const again = new Landing(page, site);
    const screens = screenRequests(page);
    await again.open(token);
    const failure = await again.failure();
    assert.deepEqual(screens.sort(), ['/handoff/screens.js', '/handoff/screens_bg.wasm'], 'a failure loads the screens');
    assert.equal(failure.code, 'unusable');
    assert.equal(failure.title, "This link can't be used anymore");
    assert.equal(failure.status, failure.title, 'the live region announces the failure');
    assert.equal(failure.back, 'handoffdemo://home');
    assert.equal(failure.other, '/signin');
    assert.equal(failure.retry, 0);
    assert.ok(!page.url().includes('handoff='));
    await again.screenshot('error-already-used');
    await page.close();
  });

  test('a forged signature is refused by the service: "can\'t be used anymore", never signed in', async () => {
    const page = await freshPage();
    await clearStorage(page);
    const [header, payload] = handoffToken().split('.');
    const forged = `${header}.${payload}.${Buffer.alloc(64, 9).toString('base64url')}`;
    const landing = new Landing(page, site);
    await landing.open(forged);
    assert.equal((await landing.failure()).code, 'unusable');
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
    await page.close();
  });

  test('both Cognito calls leave before the page\'s code has arrived, and the page adopts their answers: still two POSTs', async () => {
    const page = await freshPage();
    cognito.reset();
    // boot.js (www/landing/boot.js) sends InitiateAuth, then RespondToAuthChallenge once it has answered.
    const held = await holdWasmUntil(page, { ready: () => cognito.posts().length >= 2, snapshot: operations });
    const token = handoffToken({ redirect: '/orders/42' });
    await new Landing(page, site).open(token);
    await page.locator('body[data-user="u-alice"]').waitFor({ timeout: 15_000 });
    assert.deepEqual(await held.released, ['InitiateAuth', 'RespondToAuthChallenge'], 'both sent before the wasm arrived');
    assert.deepEqual(operations(), ['InitiateAuth', 'RespondToAuthChallenge'], 'the early answers adopted, not sent again');
    const respond = cognito.posts()[1].body;
    assert.deepEqual(respond.ChallengeResponses, { ANSWER: token, USERNAME: 'u-alice' }, 'USERNAME from ChallengeParameters');
    assert.equal(respond.ClientMetadata, undefined, 'no edge in this configuration: no binding');
    assert.deepEqual(cognito.state.revokedTokens, [], 'the session the page took is not ended');
    assert.equal(await page.evaluate((p) => localStorage.getItem(`${p}.LastAuthUser`), PREFIX), 'u-alice');
    await page.close();
  });

  test('a session the early calls signed in that the page does not take is ended: its refresh token revoked', async () => {
    // Another tab signs a user in after boot.js looked and before the page starts: the page asks before switching,
    // so it never takes the early answer; that session must not live on unseen.
    const page = await freshPage();
    cognito.reset();
    const held = await holdWasmUntil(page, {
      ready: () => cognito.posts().length >= 2,
      before: () => page.evaluate((p) => {
        for (const key of ['accessToken', 'idToken', 'refreshToken']) localStorage.setItem(`${p}.u-mallory.${key}`, `${key}-of-u-mallory`);
        localStorage.setItem(`${p}.LastAuthUser`, 'u-mallory');
      }, PREFIX),
    });
    await new Landing(page, site).open(handoffToken({ redirect: '/orders/42' }));
    await held.released;
    await page.locator('section[data-screen="confirm-switch"]').waitFor({ timeout: 15_000 });
    const until = Date.now() + 5_000;
    while (cognito.state.revokedTokens.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(operations(), ['InitiateAuth', 'RespondToAuthChallenge', 'RevokeToken']);
    assert.deepEqual(cognito.state.revokedTokens, [[...cognito.state.refreshTokens.keys()].at(-1)], 'the early session\'s refresh token');
    assert.equal(cognito.posts()[2].body.ClientId, CLIENT_ID);
    assert.equal(await page.evaluate((p) => localStorage.getItem(`${p}.u-alice.refreshToken`), PREFIX), null, 'nothing stored');
    await page.close();
  });

  test('a page that never starts ends the session its early calls signed in: "could not start", refresh token revoked', async () => {
    const page = await freshPage();
    cognito.reset();
    await page.route('**/handoff/handoff.js', async (route) => {
      const until = Date.now() + 10_000;
      while (cognito.posts().length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      await route.fulfill({ status: 404, body: 'not found' });
    });
    await new Landing(page, site).open(handoffToken({ redirect: '/orders/42' }));
    await page.locator('#handoff-loading', { hasText: 'could not start' }).waitFor({ timeout: 15_000 });
    const until = Date.now() + 5_000;
    while (cognito.state.revokedTokens.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(operations(), ['InitiateAuth', 'RespondToAuthChallenge', 'RevokeToken']);
    assert.deepEqual(cognito.state.revokedTokens, [[...cognito.state.refreshTokens.keys()].at(-1)], 'the early session\'s refresh token');
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), [], 'nothing stored');
    await page.close();
  });

  test('screens that cannot load: the loading line says "could not start", nothing is sent', async () => {
    const page = await freshPage();
    cognito.reset();
    await page.route('**/handoff/screens.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await new Landing(page, site).open('not-a-token');
    await page.locator('#handoff-loading', { hasText: 'could not start' }).waitFor({ timeout: 15_000 });
    assert.deepEqual(operations(), []);
    assert.ok(!page.url().includes('handoff='));
    await page.close();
  });

  test('a page without the screens\' loader (no boot.js) says the failure\'s heading on its loading line', async () => {
    const page = await freshPage();
    cognito.reset();
    // boot.js's `handoffScreens = ...` lands nowhere, as on a page served without boot.js's loader.
    await page.addInitScript(() => Object.defineProperty(globalThis, 'handoffScreens', { get: () => undefined, set: () => {} }));
    const screens = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/handoff/screens')) screens.push(r.url()); });
    await new Landing(page, site).open('not-a-token');
    await page.locator('#handoff-loading', { hasText: "This link isn't valid" }).waitFor({ timeout: 15_000 });
    assert.deepEqual(screens, [], 'nothing loads the screens');
    assert.deepEqual(operations(), []);
    await page.close();
  });

  test('no early InitiateAuth for a link boot.js cannot vouch for: the page sends it after its own checks', async () => {
    // A redirect the page accepts but boot.js's plain check does not (a query): the page itself sends InitiateAuth.
    const page = await freshPage();
    cognito.reset();
    let postsWhenWasmAsked = null;
    await page.route('**/handoff/handoff_bg.wasm', async (route) => {
      await new Promise((r) => setTimeout(r, 300));
      postsWhenWasmAsked = cognito.posts().length;
      await route.continue();
    });
    await new Landing(page, site).open(handoffToken({ redirect: '/orders/42?tab=items' }));
    await page.locator('body[data-user="u-alice"]').waitFor({ timeout: 15_000 });
    assert.equal(postsWhenWasmAsked, 0, 'nothing sent before the page ran');
    assert.deepEqual(cognito.posts().map((r) => r.target.split('.').pop()), ['InitiateAuth', 'RespondToAuthChallenge']);
    await page.close();
  });

  const localFailures = [
    ['tampered (payload not JSON)', () => `${handoffToken().split('.')[0]}.bm90IGpzb24.c2ln`, 'invalid', "This link isn't valid"],
    ['for another web client', () => handoffToken({ aud: 'someotherclient' }), 'invalid', "This link isn't valid"],
    ['redirect outside the allowlist', () => handoffToken({ redirect: '//evil.example/x' }), 'invalid', "This link isn't valid"],
    ['redirect to another path prefix', () => handoffToken({ redirect: '/admin' }), 'invalid', "This link isn't valid"],
    ['no token at all', () => '', 'invalid', "This link isn't valid"],
  ];
  for (const [name, make, code, title] of localFailures) {
    test(`${name}: "${code}" screen, nothing sent to Cognito`, async () => {
      const page = await freshPage();
      cognito.reset();
      const landing = new Landing(page, site);
      await landing.open(make());
      const failure = await landing.failure();
      assert.equal(failure.code, code);
      assert.equal(failure.title, title);
      assert.equal(failure.back, 'handoffdemo://home');
      assert.equal(failure.other, '/signin');
      assert.equal(cognito.state.requests.length, 0, 'no request to Cognito');
      assert.equal(new URL(page.url()).pathname, '/handoff', 'never followed a redirect');
      assert.ok(!page.url().includes('handoff='));
      await page.close();
    });
  }

  test('an expired link is refused by the service, not by the page\'s clock: "expired" screen after asking', async () => {
    const page = await freshPage();
    cognito.reset();
    const landing = new Landing(page, site);
    await landing.open(handoffToken({ iat: 1_700_000_000, nbf: 1_700_000_000, exp: 1_700_000_060 }));
    const failure = await landing.failure();
    assert.equal(failure.code, 'expired');
    assert.equal(failure.title, 'This link has expired');
    assert.deepEqual(cognito.posts().map((r) => r.target.split('.').pop()), ['InitiateAuth', 'RespondToAuthChallenge']);
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
    await landing.screenshot('error-expired');
    await page.close();
  });

  test('a device clock 10 minutes fast still signs in: the service\'s clock decides', async () => {
    const page = await freshPage();
    cognito.reset();
    await page.addInitScript(() => {
      const skew = 10 * 60 * 1000;
      const realNow = Date.now.bind(Date);
      Date.now = () => realNow() + skew;
      const RealDate = Date;
      // `new Date()` too, for code that reads the clock that way.
      globalThis.Date = class extends RealDate {
        constructor(...args) { super(...(args.length ? args : [realNow() + skew])); }
        static now() { return realNow() + skew; }
      };
    });
    const landing = new Landing(page, site);
    await landing.open(handoffToken());
    await page.waitForURL((url) => url.pathname !== '/handoff', { timeout: 15_000 });
    assert.ok(await page.evaluate(() => Object.keys(localStorage).some((k) => k.endsWith('.accessToken'))));
    await page.close();
  });

  /** Puts `user`'s Amplify session for this web client into the page's storage (an earlier sign-in). */
  async function signedInAs(page, user) {
    await clearStorage(page);
    await page.evaluate(([prefix, user]) => {
      localStorage.setItem(`${prefix}.${user}.accessToken`, 'at-of-' + user);
      localStorage.setItem(`${prefix}.${user}.idToken`, 'id-of-' + user);
      localStorage.setItem(`${prefix}.${user}.refreshToken`, 'rt-of-' + user);
      localStorage.setItem(`${prefix}.LastAuthUser`, user);
    }, [PREFIX, user]);
  }

  // Finding: anyone can get a link for their own account and make a victim's browser open it from any site; the
  // page used to replace the victim's session silently and land on a path of the attacker's choosing.
  test('login CSRF: a link for another user never replaces the signed-in user silently; cancel spends nothing', async () => {
    const page = await freshPage();
    await signedInAs(page, 'u-alice');
    cognito.reset();
    const landing = new Landing(page, site);
    await landing.open(handoffToken({ username: 'u-mallory', sub: 'sub-u-mallory', redirect: '/orders/pay' }));
    const confirm = page.locator('section[data-screen="confirm-switch"]');
    await confirm.waitFor({ timeout: 15_000 });
    assert.equal(await confirm.locator('.current').textContent(), 'u-alice');
    assert.equal(await confirm.locator('.next').textContent(), 'u-mallory');
    assert.match(await confirm.textContent(), /You are signed in as u-alice\. Continue as u-mallory\?/);
    assert.ok(!page.url().includes('handoff='), 'the token is scrubbed before asking');
    assert.equal(cognito.state.requests.length, 0, 'nothing sent before the choice: the link is not spent');
    await landing.screenshot('confirm-switch');
    await confirm.locator('button.cancel').click();
    await page.waitForURL((url) => url.pathname !== '/handoff', { timeout: 15_000 });
    assert.equal(new URL(page.url()).pathname, '/account', 'the default redirect, never the link\'s /orders/pay');
    assert.equal(cognito.state.requests.length, 0, 'cancel sends nothing');
    assert.equal(await page.evaluate((p) => localStorage.getItem(`${p}.LastAuthUser`), PREFIX), 'u-alice');
    assert.equal(await page.evaluate((p) => localStorage.getItem(`${p}.u-alice.refreshToken`), PREFIX), 'rt-of-u-alice');
    await page.close();
  });

  test('switching user: continue revokes the old refresh token, removes the old keys, then signs in', async () => {
    const page = await freshPage();
    await signedInAs(page, 'u-alice');
    cognito.reset();
    const landing = new Landing(page, site);
    await landing.open(handoffToken({ username: 'u-mallory', sub: 'sub-u-mallory' }));
    const confirm = page.locator('section[data-screen="confirm-switch"]');
    await confirm.waitFor({ timeout: 15_000 });
    await confirm.locator('button.continue').click();
    await page.waitForURL((url) => url.pathname !== '/handoff', { timeout: 15_000 });
    assert.deepEqual(cognito.state.revokedTokens, ['rt-of-u-alice']);
    assert.deepEqual(cognito.posts().map((r) => r.target.split('.').pop()), ['RevokeToken', 'InitiateAuth', 'RespondToAuthChallenge']);
    const keys = await page.evaluate(() => Object.keys(localStorage));
    assert.ok(!keys.some((k) => k.includes('.u-alice.')), `alice's keys are gone: ${keys}`);
    assert.equal(await page.evaluate((p) => localStorage.getItem(`${p}.LastAuthUser`), PREFIX), 'u-mallory');
    await page.close();
  });

  test('the same user signed in again: no question asked', async () => {
    const page = await freshPage();
    await signedInAs(page, 'u-alice');
    cognito.reset();
    const landing = new Landing(page, site);
    await landing.open(handoffToken({ username: 'u-alice' }));
    await page.waitForURL((url) => url.pathname !== '/handoff', { timeout: 15_000 });
    assert.deepEqual(cognito.posts().map((r) => r.target.split('.').pop()), ['InitiateAuth', 'RespondToAuthChallenge']);
    await page.close();
  });

  test('a configuration the page refuses: the service error, nothing sent, and the reason in the console', async () => {
    const broken = await startSite({ ...siteConfig(cognito.endpoint), brand: { theme: { '--handoff-accent': 'url(//evil.example/x)' } } });
    otherSites.push(broken);
    const page = await freshPage(broken);
    cognito.reset();
    const errors = [];
    // Every console error but the browser's own favicon request (a new origin: a 404 the console reports).
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) errors.push(message.text());
    });
    try {
      await new Landing(page, broken).open(handoffToken());
      // No links: they come from the configuration the page refused.
      await page.locator('section.failure[data-failure="misconfigured"]').waitFor({ timeout: 15_000 });
      assert.deepEqual(operations(), []);
      assert.deepEqual(errors, [
        'invalid handoff configuration: `brand.theme` value of `--handoff-accent` is not a plain CSS value',
      ]);
    } finally {
      await page.close();
    }
  });

  test('a failing trigger (edge down) shows the service error', async () => {
    const page = await freshPage();
    cognito.state.failTrigger = true;
    try {
      const landing = new Landing(page, site);
      await landing.open(handoffToken());
      const failure = await landing.failure();
      assert.equal(failure.code, 'misconfigured');
      assert.equal(failure.title, "Sign-in isn't working right now");
      assert.equal(failure.retry, 0);
    } finally {
      cognito.state.failTrigger = false;
      await page.close();
    }
  });

  test('network failure: retried with backoff, then "Try again" signs in', async () => {
    const page = await freshPage();
    cognito.reset();
    cognito.state.dropConnections = true;
    const landing = new Landing(page, site);
    await landing.open(handoffToken());
    // While the sign-in retries, its step is on the loading line, announced to screen readers (the screens are
    // not loaded yet: nothing has failed).
    const line = page.locator('#handoff-loading[role="status"]');
    await line.filter({ hasText: 'Contacting the sign-in service' }).waitFor({ timeout: 10_000 });
    const failure = await landing.failure();
    cognito.state.dropConnections = false;
    assert.equal(failure.code, 'network');
    assert.equal(failure.retry, 1);
    // Each attempt is a preflight the stand-in dropped: 1 try + 3 retries (Chromium may retry a reset once more).
    const attempts = cognito.state.requests.length;
    assert.ok(attempts >= 4 && attempts <= 8, `attempts: ${attempts}`);
    await page.locator('button.retry').click();
    await page.waitForURL(/\/orders\/42$/, { timeout: 15_000 });
    await page.locator('body[data-user="u-alice"]').waitFor();
    await page.close();
  });

  test('plain JavaScript: completeHandoff() from the npm package signs in', async () => {
    const page = await freshPage();
    await clearStorage(page);
    cognito.reset();
    await page.goto(`${site.url}/api-demo/#handoff=${handoffToken({ redirect: '/account/settings' })}`);
    await page.waitForURL(`${site.url}/account/settings`, { timeout: 15_000 });
    await page.locator('body[data-user="u-alice"]').waitFor();
    assert.equal(cognito.posts().length, 2);
    await page.close();
  });

  // Finding: the npm path left the token in the address bar (readable by every script) until the wasm had loaded.
  test('plain JavaScript: importing the package scrubs the token before the wasm is even fetched', async () => {
    const page = await freshPage();
    cognito.reset();
    let release;
    const held = new Promise((r) => { release = r; });
    let urlWhileWasmHeld = null;
    await page.route('**/pkg/handoff_web_bg.wasm', async (route) => {
      urlWhileWasmHeld = page.url();
      await held;
      await route.continue();
    });
    await page.goto(`${site.url}/api-demo/#handoff=${handoffToken({ username: 'u-alice', redirect: '/account/settings' })}`);
    for (let i = 0; i < 100 && urlWhileWasmHeld === null; i += 1) await new Promise((r) => setTimeout(r, 50));
    assert.ok(urlWhileWasmHeld !== null, 'the wasm was requested');
    const hrefNow = await page.evaluate(() => location.href);
    assert.ok(!hrefNow.includes('handoff='), `scrubbed before the wasm arrived: ${hrefNow}`);
    assert.equal(await page.evaluate(() => Object.keys(globalThis).filter((k) => /handoff/i.test(k))).then((k) => k.length), 0, 'no global holds it');
    release();
    await page.waitForURL(`${site.url}/account/settings`, { timeout: 15_000 });
    assert.equal(cognito.posts().length, 2, 'the token scrubbed at import still signs in');
    await page.close();
  });

  // Finding: with the token passed in, completeHandoff() did not scrub the address bar at all.
  test('plain JavaScript: completeHandoff() scrubs the URL even when the app passes the token in', async () => {
    const page = await freshPage();
    await page.goto(`${site.url}/api-demo/?explicit-token#handoff=not-a-token&keep=1`);
    await page.locator('#result[data-failure="invalid"]').waitFor({ timeout: 15_000 });
    assert.ok(!page.url().includes('handoff='), page.url());
    assert.ok(page.url().endsWith('#keep=1'), `other fragment parameters stay: ${page.url()}`);
    await page.close();
  });

  test('plain JavaScript: completeHandoff() resolves with the failure, never rejects', async () => {
    const page = await freshPage();
    cognito.reset();
    await page.goto(`${site.url}/api-demo/#handoff=${jwt({ username: 'alice', aud: CLIENT_ID, exp: 1 })}`);
    await page.locator('#result[data-failure="expired"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#status').textContent(), 'This link has expired');
    assert.equal(cognito.posts().length, 2, 'the service decides expiry, not the device clock');
    assert.ok(!page.url().includes('handoff='));
    await page.close();
  });
  describe('context binding (the config has edgeUrl)', () => {
    let edge;
    let edgeSite;

    before(async () => {
      edge = await startEdge();
      edgeSite = await startSite({ ...siteConfig(cognito.endpoint), edgeUrl: `${edge.url}/` });
      edge.state.webOrigin = edgeSite.url;
    });

    after(async () => {
      await edgeSite?.close();
      await edge?.close();
    });

    const jtiOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).jti;

    test('the CSP connect-src adds exactly the edge\'s origin, nothing else changes', async () => {
      const csp = (await fetch(`${edgeSite.url}/handoff`)).headers.get('content-security-policy');
      assert.equal(
        csp.replace(/ 'sha256-[\w+/=]+'/, ''),
        `default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${new URL(cognito.endpoint).origin} ${edge.url}; ` +
          "style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
      );
      // The built `_headers` (what a static host serves): the origin only, never the URL as written.
      const config = { region: 'eu-west-1', clientId: 'c', redirectAllowlist: ['/'] };
      const cognitoOrigin = 'https://cognito-idp.eu-west-1.amazonaws.com';
      assert.match(headersFile(config), new RegExp(`connect-src 'self' ${cognitoOrigin}; `));
      assert.match(
        headersFile({ ...config, edgeUrl: 'https://Edge.Example:443/' }),
        new RegExp(`connect-src 'self' ${cognitoOrigin} https://edge\\.example; `),
      );
      for (const bad of ['http://edge.example/', 'https://edge.example/v1', 'https://u@edge.example/', 'edge.example']) {
        assert.throws(() => headersFile({ ...config, edgeUrl: bad }), /edgeUrl/, bad);
      }
    });

    test('the binding reaches RespondToAuthChallenge\'s ClientMetadata; the bind call is a simple request, no Referer, no cookies', async () => {
      const page = await freshPage(edgeSite);
      const cspViolations = [];
      page.on('console', (m) => m.text().includes('Content Security Policy') && cspViolations.push(m.text()));
      // A cookie the edge's host would get if the page sent credentials (cookies ignore the port).
      await browser.context.addCookies([{ name: 'edge_session', value: 'must-not-be-sent', url: edge.url }]);
      cognito.reset();
      edge.reset('ok');
      try {
        const token = handoffToken({ redirect: '/orders/42' });
        await new Landing(page, edgeSite).open(token);
        await page.waitForURL(`${edgeSite.url}/orders/42`, { timeout: 15_000 });
        await page.locator('body[data-user="u-alice"]').waitFor();

        const posts = cognito.posts();
        assert.deepEqual(posts.map((r) => r.target.split('.').pop()), ['InitiateAuth', 'RespondToAuthChallenge']);
        assert.equal(edge.state.issued.length, 1);
        assert.equal(edge.state.issued[0].jti, jtiOf(token));
        assert.deepEqual(posts[1].body.ClientMetadata, { handoff_binding: edge.state.issued[0].binding });
        assert.equal(posts[0].body.ClientMetadata, undefined);
        assert.ok(cognito.preflights().length <= 1, `at most one CORS preflight to Cognito, got ${cognito.preflights().length}`);

        assert.equal(edge.preflights().length, 0, 'no CORS preflight to the edge');
        const binds = edge.binds();
        assert.equal(binds.length, 1);
        assert.equal(binds[0].body, token);
        assert.equal(binds[0].contentType, 'text/plain;charset=UTF-8');
        assert.equal(binds[0].origin, edgeSite.url);
        assert.equal(binds[0].secFetchMode, 'cors');
        assert.equal(binds[0].referer, null, 'no Referer');
        assert.equal(binds[0].cookie, null, 'no cookies');
        const hrefs = await page.evaluate(() => JSON.parse(sessionStorage.getItem('__fetchHrefs') ?? '[]'));
        for (const href of hrefs) assert.ok(!href.includes('handoff='), `fetch while the URL held the token: ${href}`);
        assert.deepEqual(cspViolations, []);
      } finally {
        await browser.context.clearCookies();
        await page.close();
      }
    });

    test('the bind call and the bound answer leave before the page\'s code has arrived too, and are adopted: one bind, one binding', async () => {
      const page = await browser.context.newPage();
      await clearStorage(page, edgeSite);
      cognito.reset();
      edge.reset('ok');
      const held = await holdWasmUntil(page, {
        ready: () => cognito.posts().length >= 2,
        snapshot: () => ({ binds: edge.binds().length, posts: operations() }),
      });
      const token = handoffToken({ redirect: '/orders/42' });
      await new Landing(page, edgeSite).open(token);
      await page.locator('body[data-user="u-alice"]').waitFor({ timeout: 15_000 });
      assert.deepEqual(await held.released, { binds: 1, posts: ['InitiateAuth', 'RespondToAuthChallenge'] },
        'bound and answered before the wasm arrived');
      assert.equal(edge.binds().length, 1, 'the early bind was adopted, not sent again');
      const posts = cognito.posts();
      assert.deepEqual(operations(), ['InitiateAuth', 'RespondToAuthChallenge'], 'the early answers adopted');
      assert.deepEqual(posts[1].body.ClientMetadata, { handoff_binding: edge.state.issued[0].binding });
      await page.close();
    });

    test('wrong_context: "other_device" screen, nothing sent to RespondToAuthChallenge, the link stays unspent', async () => {
      const page = await freshPage(edgeSite);
      cognito.reset();
      edge.reset('wrong_context');
      const token = handoffToken({ redirect: '/orders/42' });
      const landing = new Landing(page, edgeSite);
      await landing.open(token);
      const failure = await landing.failure();
      assert.equal(failure.code, 'other_device');
      assert.equal(failure.title, 'Open this link on the device that asked for it');
      assert.equal(failure.status, failure.title, 'the live region announces the failure');
      assert.equal(failure.back, 'handoffdemo://home');
      assert.equal(failure.other, '/signin');
      assert.equal(failure.retry, 0, 'no "Try again"');
      assert.match(await page.locator('section.failure p').textContent(), /For your security/);
      assert.deepEqual(cognito.posts().map((r) => r.target.split('.').pop()), ['InitiateAuth']);
      assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
      assert.ok(!page.url().includes('handoff='));
      await landing.screenshot('error-other-device');

      await page.close();

      // Unspent: the same link, opened where it was asked for (a new tab: same URL, so not a same-document
      // fragment change), still signs in.
      edge.reset('ok');
      const again = await freshPage(edgeSite);
      await new Landing(again, edgeSite).open(token);
      await again.waitForURL(`${edgeSite.url}/orders/42`, { timeout: 15_000 });
      assert.equal(cognito.posts().at(-1).body.ClientMetadata.handoff_binding, edge.state.issued[0].binding);
      await again.close();
    });

    test('plain JavaScript: completeHandoff() with edgeUrl passes the binding on too', async () => {
      const page = await freshPage(edgeSite);
      cognito.reset();
      edge.reset('ok');
      await page.goto(`${edgeSite.url}/api-demo/#handoff=${handoffToken({ redirect: '/account/settings' })}`);
      await page.waitForURL(`${edgeSite.url}/account/settings`, { timeout: 15_000 });
      const posts = cognito.posts();
      assert.equal(posts.length, 2);
      assert.deepEqual(posts[1].body.ClientMetadata, { handoff_binding: edge.state.issued[0].binding });
      assert.equal(edge.preflights().length, 0);

      edge.reset('wrong_context');
      await page.goto(`${edgeSite.url}/api-demo/#handoff=${handoffToken()}`);
      await page.locator('#result[data-failure="other_device"]').waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('#status').textContent(), 'Open this link on the device that asked for it');
      await page.close();
    });

    for (const mode of ['down', 'off']) {
      test(`an edge that is ${mode === 'down' ? 'down' : 'not binding (404)'} still signs in, without ClientMetadata`, async () => {
        const page = await freshPage(edgeSite);
        cognito.reset();
        edge.reset(mode);
        await new Landing(page, edgeSite).open(handoffToken({ redirect: '/orders/42' }));
        await page.waitForURL(`${edgeSite.url}/orders/42`, { timeout: 15_000 });
        await page.locator('body[data-user="u-alice"]').waitFor();
        const posts = cognito.posts();
        assert.deepEqual(posts.map((r) => r.target.split('.').pop()), ['InitiateAuth', 'RespondToAuthChallenge']);
        assert.equal(posts[1].body.ClientMetadata, undefined);
        assert.ok(edge.binds().length >= 1, 'the page asked');
        assert.equal(edge.preflights().length, 0);
        await page.close();
      });
    }
  });
});
