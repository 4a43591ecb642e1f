// Handoff inside the web apps teams actually run, in Debian's Chromium with the real aws-amplify v6:
// - storage: the page's `storage` option (localStorage, sessionStorage, Amplify's cookies) read by an Amplify app
//   configured the matching way (`ssr: true` for cookies), which then refreshes and signs out leaving nothing;
// - device tracking: the pool remembers devices, the page confirms the device as Amplify does, and Amplify's
//   later refresh (which names the device) works; if confirming fails, nothing is handed over;
// - the previous user's session is revoked at Cognito when a link replaces it (`completeHandoff`);
// - `onTokens` for apps with their own token store;
// - words and look per deployment: the browser's language, the configuration's messages, brand and theme.
// Cognito is the loopback stand-in (cognito-standin.mjs): ministack has no device tracking (no
// NewDeviceMetadata, no ConfirmDevice) and no GetTokensFromRefreshToken, which aws-amplify 6.22 refreshes with.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

import { startCognito } from './cognito-standin.mjs';
import { CLIENT_ID, ROOT, SITE, handoffToken, launchChromium, requireSite, siteConfig } from './support.mjs';
import { serve } from '../../www/serve.mjs';

const PREFIX = `CognitoIdentityServiceProvider.${CLIENT_ID}`;
const SRP = join(ROOT, 'node_modules/@aws-amplify/auth/dist/esm/providers/cognito/utils/srp');

describe('integration with web apps', () => {
  let cognito;
  let browser;
  let root;
  const sites = [];

  before(async () => {
    requireSite();
    cognito = await startCognito({ clientId: CLIENT_ID, users: { alice: 'u-alice', bob: 'u-bob' } });
    // The built site plus the test's Amplify app, served from a copy.
    root = await mkdtemp(join(tmpdir(), 'handoff-integration-'));
    await cp(SITE, root, { recursive: true });
    await cp(join(ROOT, 'tests/browser/amplify-app/index.html'), join(root, 'amplify-app/index.html'));
    await build({
      entryPoints: [join(ROOT, 'tests/browser/amplify-app/app.js')],
      outfile: join(root, 'amplify-app/app.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      logLevel: 'warning',
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    for (const site of sites) await site.close();
    await cognito?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function site(extra = {}) {
    const s = await serve({ root, port: 0, config: { ...siteConfig(cognito.endpoint), ...extra } });
    sites.push(s);
    return s;
  }

  /** A fresh tab with no storage or cookies of the site. */
  async function freshPage(on) {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${on.url}/amplify-app/`);
    await page.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
    return page;
  }

  /** Opens a link on the landing page and waits for the web app. */
  async function handoff(page, on, token = handoffToken({ redirect: '/account' })) {
    await page.goto(`${on.url}/handoff#handoff=${token}`);
    await page.waitForURL(`${on.url}/account`, { timeout: 15_000 });
  }

  async function amplifyApp(page, on, storage) {
    await page.goto(`${on.url}/amplify-app/?storage=${storage}`);
    await page.locator(`body[data-ready="${storage}"]`).waitFor({ state: 'attached', timeout: 15_000 });
  }

  const handoffKeys = (entries) => entries.filter((k) => k.startsWith(PREFIX)).sort();
  const storageKeys = (page, area) => page.evaluate((a) => Object.keys(globalThis[a]), area);
  const cookieNames = async () => (await browser.context.cookies()).map((c) => decodeURIComponent(c.name));

  for (const storage of ['cookie', 'sessionStorage', 'localStorage']) {
    test(`storage "${storage}": an Amplify app configured for it sees the user, refreshes, and signs out leaving nothing`, async () => {
      const on = await site({ storage });
      const page = await freshPage(on);
      cognito.reset();
      await handoff(page, on);

      const where = {
        cookie: await cookieNames(),
        sessionStorage: await storageKeys(page, 'sessionStorage'),
        localStorage: await storageKeys(page, 'localStorage'),
      };
      for (const [area, keys] of Object.entries(where)) {
        // Only the configured place holds the session.
        assert.equal(handoffKeys(keys).length > 0, area === storage, `${area}: ${handoffKeys(keys)}`);
      }
      assert.deepEqual(handoffKeys(where[storage]), [
        `${PREFIX}.LastAuthUser`,
        `${PREFIX}.u-alice.accessToken`,
        `${PREFIX}.u-alice.clockDrift`,
        `${PREFIX}.u-alice.idToken`,
        `${PREFIX}.u-alice.refreshToken`,
        `${PREFIX}.u-alice.signInDetails`,
      ]);
      if (storage === 'cookie') {
        // Written as Amplify's CookieStorage writes them under `ssr: true`.
        for (const c of await browser.context.cookies()) {
          assert.equal(c.path, '/');
          assert.equal(c.sameSite, 'Lax');
          assert.equal(c.secure, true);
          const days = (c.expires * 1000 - Date.now()) / 864e5;
          assert.ok(days > 364 && days <= 365, `${c.name} expires in ${days} days`);
        }
      }

      await amplifyApp(page, on, storage);
      const who = await page.evaluate(() => window.app.who());
      assert.equal(who.username, 'u-alice', JSON.stringify(who));
      const refreshed = await page.evaluate(() => window.app.refresh());
      assert.ok(refreshed.access && refreshed.access !== who.access, JSON.stringify(refreshed));
      assert.ok(cognito.posts().some((r) => r.target.endsWith('.GetTokensFromRefreshToken')));

      const refreshToken = cognito.posts().find((r) => r.target.endsWith('.GetTokensFromRefreshToken')).body.RefreshToken;
      await page.evaluate(() => window.app.signOut());
      // Nothing left behind: no key anywhere, and the refresh token revoked at Cognito.
      assert.deepEqual(handoffKeys(await cookieNames()), []);
      assert.deepEqual(handoffKeys(await storageKeys(page, 'localStorage')), []);
      assert.deepEqual(handoffKeys(await storageKeys(page, 'sessionStorage')), []);
      assert.ok(cognito.state.revokedTokens.includes(refreshToken), 'signOut revoked the refresh token');
      await page.close();
    });
  }

  test('the mismatch the storage option exists for: a localStorage session is invisible to an `ssr: true` app', async () => {
    const on = await site();
    const page = await freshPage(on);
    await handoff(page, on);
    await amplifyApp(page, on, 'cookie');
    assert.deepEqual(await page.evaluate(() => window.app.who()), { error: 'UserUnAuthenticatedException' });
    await page.close();
  });

  test('cookie attributes from the configuration: domain-less, own path, session cookies, strict', async () => {
    const on = await site({ storage: 'cookie', cookie: { path: '/', expires: null, sameSite: 'strict', secure: false } });
    const page = await freshPage(on);
    await handoff(page, on);
    const cookies = (await browser.context.cookies()).filter((c) => decodeURIComponent(c.name).startsWith(PREFIX));
    assert.equal(cookies.length, 6);
    for (const c of cookies) {
      assert.equal(c.expires, -1, 'a session cookie');
      assert.equal(c.sameSite, 'Strict');
      assert.equal(c.secure, false);
    }
    await page.close();
  });

  test('a session the browser will not store is not left alive: its refresh token is revoked, nothing stays', async () => {
    // A cookie domain this host may not set: the browser drops the cookie, the page reads it back and stops.
    const on = await site({ storage: 'cookie', cookie: { domain: 'example.com', secure: false } });
    const page = await freshPage(on);
    cognito.reset();
    await page.goto(`${on.url}/handoff#handoff=${handoffToken()}`);
    await page.locator('section.failure[data-failure="misconfigured"]').waitFor({ timeout: 15_000 });
    const issued = [...cognito.state.refreshTokens.keys()].at(-1);
    assert.deepEqual(cognito.state.revokedTokens, [issued]);
    assert.deepEqual(handoffKeys(await cookieNames()), []);
    await page.close();
  });

  test('a cookie configuration that cannot work is refused before anything is sent', async () => {
    const on = await site({ storage: 'cookie', cookie: { sameSite: 'none', secure: false } });
    const page = await freshPage(on);
    cognito.reset();
    await page.goto(`${on.url}/handoff#handoff=${handoffToken()}`);
    await page.locator('section.failure[data-failure="misconfigured"]').waitFor({ timeout: 15_000 });
    assert.equal(cognito.posts().length, 0);
    await page.close();
  });

  describe('device tracking', () => {
    before(() => {
      cognito.state.deviceTracking = true;
    });
    after(() => {
      cognito.state.deviceTracking = false;
      cognito.state.failConfirmDevice = false;
    });

    test('the device is confirmed with a verifier Amplify would compute, and Amplify refreshes naming it', async () => {
      const on = await site();
      const page = await freshPage(on);
      cognito.reset();
      await handoff(page, on);
      const confirm = cognito.posts().find((r) => r.target.endsWith('.ConfirmDevice'));
      assert.ok(confirm, 'ConfirmDevice was sent');
      const stored = await page.evaluate((p) => ({
        deviceKey: localStorage.getItem(`${p}.u-alice.deviceKey`),
        groupKey: localStorage.getItem(`${p}.u-alice.deviceGroupKey`),
        password: localStorage.getItem(`${p}.u-alice.randomPasswordKey`),
      }), PREFIX);
      assert.equal(stored.deviceKey, confirm.body.DeviceKey);
      assert.equal(stored.groupKey, cognito.state.devices.get(stored.deviceKey).groupKey);
      assert.equal(Buffer.from(stored.password, 'base64').length, 40);
      assert.match(confirm.body.DeviceName, /Chrome/);

      // The verifier, recomputed with aws-amplify's own SRP code from the stored password and the sent salt.
      const { default: BigInteger } = await import(join(SRP, 'BigInteger/BigInteger.mjs'));
      const { getHashFromData } = await import(join(SRP, 'getHashFromData.mjs'));
      const { getHashFromHex } = await import(join(SRP, 'getHashFromHex.mjs'));
      const { getPaddedHex } = await import(join(SRP, 'getPaddedHex.mjs'));
      const { INIT_N } = await import(join(SRP, 'constants.mjs'));
      const salt = Buffer.from(confirm.body.DeviceSecretVerifierConfig.Salt, 'base64').toString('hex');
      const inner = getHashFromData(`${stored.groupKey}${stored.deviceKey}:${stored.password}`);
      const x = new BigInteger(getHashFromHex(salt + inner), 16);
      const verifier = await new Promise((resolve, reject) =>
        new BigInteger('2', 16).modPow(x, new BigInteger(INIT_N, 16), (err, r) => (err ? reject(err) : resolve(r))),
      );
      assert.equal(
        confirm.body.DeviceSecretVerifierConfig.PasswordVerifier,
        Buffer.from(getPaddedHex(verifier), 'hex').toString('base64'),
      );

      await amplifyApp(page, on, 'localStorage');
      const who = await page.evaluate(() => window.app.who());
      assert.equal(who.username, 'u-alice');
      const refreshed = await page.evaluate(() => window.app.refresh());
      assert.ok(refreshed.access && refreshed.access !== who.access, JSON.stringify(refreshed));
      const refresh = cognito.posts().find((r) => r.target.endsWith('.GetTokensFromRefreshToken'));
      assert.equal(refresh.body.DeviceKey, stored.deviceKey);
      await page.close();
    });

    test('the stand-in refuses a device refresh without the key (so the test above can fail)', async () => {
      const on = await site();
      const page = await freshPage(on);
      await handoff(page, on);
      await page.evaluate((p) => localStorage.removeItem(`${p}.u-alice.deviceKey`), PREFIX);
      await amplifyApp(page, on, 'localStorage');
      const refreshed = await page.evaluate(() => window.app.refresh());
      assert.ok(!refreshed.access, JSON.stringify(refreshed));
      await page.close();
    });

    test('if the device cannot be confirmed, no session is handed over and its refresh token is revoked', async () => {
      cognito.state.failConfirmDevice = true;
      try {
        const on = await site();
        const page = await freshPage(on);
        cognito.reset();
        await page.goto(`${on.url}/handoff#handoff=${handoffToken()}`);
        await page.locator('section.failure[data-failure="misconfigured"]').waitFor({ timeout: 30_000 });
        assert.deepEqual(handoffKeys(await storageKeys(page, 'localStorage')), []);
        const issued = [...cognito.state.refreshTokens.keys()].at(-1);
        assert.deepEqual(cognito.state.revokedTokens, [issued]);
        await page.close();
      } finally {
        cognito.state.failConfirmDevice = false;
      }
    });
  });

  describe('completeHandoff', () => {
    /** Runs completeHandoff in a page of the site (on the given config), with `options` and a token for `user`. */
    async function complete(page, on, options, user = 'alice') {
      await page.goto(`${on.url}/amplify-app/`);
      const token = handoffToken({ username: user, sub: `sub-u-${user}`, redirect: '/account' });
      return page.evaluate(async ({ options, token }) => {
        const { default: init, completeHandoff } = await import('/pkg/handoff_web.js');
        await init();
        const config = JSON.parse(document.getElementById('handoff-config').textContent);
        const seen = [];
        const result = await completeHandoff({
          ...config,
          ...options,
          token,
          navigate: false,
          ...(options.onTokens ? { onTokens: (t) => seen.push(t) } : {}),
        });
        return { result, seen };
      }, { options, token });
    }

    test('another user signed in: "other_user" and nothing sent; with replaceUser their refresh token is revoked', async () => {
      const on = await site();
      const page = await freshPage(on);
      await handoff(page, on);
      const aliceRefresh = await page.evaluate((p) => localStorage.getItem(`${p}.u-alice.refreshToken`), PREFIX);
      cognito.reset();
      const refused = await complete(page, on, {}, 'bob');
      assert.equal(refused.result.ok, false);
      assert.equal(refused.result.error, 'other_user');
      assert.equal(cognito.posts().length, 0, 'nothing sent: the link is not spent');

      const replaced = await complete(page, on, { replaceUser: true }, 'bob');
      assert.equal(replaced.result.ok, true, JSON.stringify(replaced.result));
      assert.deepEqual(cognito.state.revokedTokens, [aliceRefresh]);
      const keys = handoffKeys(await storageKeys(page, 'localStorage'));
      assert.ok(keys.every((k) => !k.includes('.u-alice.')), keys.join());
      assert.equal(await page.evaluate((p) => localStorage.getItem(`${p}.LastAuthUser`), PREFIX), 'u-bob');
      // The same person again is no switch.
      const same = await complete(page, on, {}, 'bob');
      assert.equal(same.result.ok, true);
      await page.close();
    });

    test('onTokens: the app gets the tokens and nothing is stored', async () => {
      const on = await site();
      const page = await freshPage(on);
      const { result, seen } = await complete(page, on, { onTokens: true });
      assert.equal(result.ok, true);
      assert.equal(seen.length, 1);
      assert.equal(seen[0].username, 'u-alice');
      assert.match(seen[0].accessToken, /^ey/);
      assert.match(seen[0].refreshToken, /^refresh-/);
      assert.equal(seen[0].expiresIn, 3600);
      assert.deepEqual(handoffKeys(await storageKeys(page, 'localStorage')), []);
      assert.deepEqual(handoffKeys(await cookieNames()), []);
      await page.close();
    });

    test('failures are worded in the browser\'s language, with the deployment\'s words over the built-in ones', async () => {
      const on = await site({ messages: { de: { 'failure.invalid.title': 'Acme: ungültiger Link' } } });
      const page = await freshPage(on);
      await page.addInitScript(() => Object.defineProperty(navigator, 'languages', { get: () => ['de-AT', 'en'] }));
      await page.goto(`${on.url}/amplify-app/`);
      const result = await page.evaluate(async () => {
        const { default: init, completeHandoff } = await import('/pkg/handoff_web.js');
        await init();
        const config = JSON.parse(document.getElementById('handoff-config').textContent);
        return completeHandoff({ ...config, token: 'not-a-token', navigate: false });
      });
      assert.equal(result.error, 'invalid');
      assert.equal(result.title, 'Acme: ungültiger Link');
      assert.match(result.message, /unvollständig/);
      await page.close();
    });
  });

  describe('the landing page per deployment', () => {
    test('German for a German browser, with <html lang>', async () => {
      const on = await site();
      const page = await freshPage(on);
      await page.addInitScript(() => Object.defineProperty(navigator, 'languages', { get: () => ['de-CH', 'de', 'en'] }));
      await page.goto(`${on.url}/handoff#handoff=garbage`);
      const section = page.locator('section.failure[data-failure="invalid"]');
      await section.waitFor({ timeout: 15_000 });
      assert.equal(await section.locator('h1').textContent(), 'Dieser Link ist ungültig');
      assert.equal(await section.locator('a.back').textContent(), 'Zurück zur App');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
      await page.close();
    });

    test('a language only the configuration has, its own words, logo and theme, all without a rebuild', async () => {
      const on = await site({
        messages: { fr: { 'failure.invalid.title': 'Ce lien n\u2019est pas valide' }, en: { back: 'Back to Acme' } },
        brand: { logoUrl: '/handoff/acme.svg', logoAlt: 'Acme', theme: { '--handoff-accent': 'rgb(1, 2, 3)' } },
      });
      const page = await freshPage(on);
      await page.addInitScript(() => Object.defineProperty(navigator, 'languages', { get: () => ['fr-FR'] }));
      await page.goto(`${on.url}/handoff#handoff=garbage`);
      const section = page.locator('section.failure[data-failure="invalid"]');
      await section.waitFor({ timeout: 15_000 });
      assert.equal(await section.locator('h1').textContent(), 'Ce lien n\u2019est pas valide');
      // What French leaves out is English, with the deployment's English words.
      assert.equal(await section.locator('a.back').textContent(), 'Back to Acme');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
      const logo = page.locator('img.logo');
      assert.equal(await logo.getAttribute('src'), '/handoff/acme.svg');
      assert.equal(await logo.getAttribute('alt'), 'Acme');
      assert.equal(await section.locator('a.back').evaluate((a) => getComputedStyle(a).color), 'rgb(1, 2, 3)');
      await page.close();
    });

    test('a theme value that could inject CSS is refused as a misconfiguration', async () => {
      const on = await site({ brand: { theme: { '--handoff-accent': 'red; background: url(//evil)' } } });
      const page = await freshPage(on);
      cognito.reset();
      await page.goto(`${on.url}/handoff#handoff=${handoffToken()}`);
      await page.locator('section.failure[data-failure="misconfigured"]').waitFor({ timeout: 15_000 });
      assert.equal(cognito.posts().length, 0);
      await page.close();
    });
  });
});
