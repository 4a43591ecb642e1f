// Shared pieces of the browser tests: Debian's Chromium through playwright-core (never a downloaded browser),
// the built site served by www/serve.mjs, handoff tokens, and a page object for the landing page.

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

import { serve } from '../../www/serve.mjs';
import { inlineScripts, parseHeaders, scriptHash } from '../../www/site.mjs';
import { jwt } from './cognito-standin.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SITE = join(ROOT, 'target', 'web', 'site');
export const ARTIFACTS = join(ROOT, 'artifacts', 'browser');
export const CLIENT_ID = 'webclienttest';

/** Fails with a hint when the site has not been built. */
export function requireSite() {
  if (!existsSync(join(SITE, '_headers'))) {
    throw new Error(`${SITE} is not built: run \`cargo xtask build-web\` first`);
  }
}

/** Launches Debian's Chromium with the flags that work here as root, in a fresh profile. */
export async function launchChromium() {
  const profile = await mkdtemp(join(tmpdir(), 'handoff-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The site's configuration for a Cognito endpoint. */
export function siteConfig(endpoint) {
  return {
    region: 'us-east-1',
    userPoolId: 'us-east-1_test',
    clientId: CLIENT_ID,
    cognitoEndpoint: endpoint,
    redirectAllowlist: ['/orders', '/account'],
    defaultRedirect: '/account',
    appReturnUrl: 'handoffdemo://home',
    otherSignInUrl: '/signin',
  };
}

/**
 * The benchmark's floor page (www/bench/floor/) as only the benchmark serves it: the site's CSP plus its inline
 * script's hash, for `/bench/floor/*`. The site's own `_headers`, which production copies, never allow that script.
 */
export function floorRule() {
  requireSite();
  const site = parseHeaders(readFileSync(join(SITE, '_headers'), 'utf8')).find((r) => r.pattern === '/*');
  const [script] = inlineScripts(readFileSync(join(SITE, 'bench', 'floor', 'index.html'), 'utf8'));
  const csp = site.headers['Content-Security-Policy'].replace(/script-src [^;]*/, (src) => `${src} ${scriptHash(script)}`);
  return { pattern: '/bench/floor/*', headers: { 'Content-Security-Policy': csp } };
}

/** Serves the built site with `config` inlined; `rules`: extra header rules (see www/serve.mjs `serve`). */
export async function startSite(config, rules = []) {
  requireSite();
  return serve({ root: SITE, port: 0, config, rules });
}

/** A handoff token as the edge would issue it (unsigned: the page never checks signatures). */
export function handoffToken(overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  return jwt({
    iss: 'http://127.0.0.1:8787',
    aud: CLIENT_ID,
    sub: 'sub-u-alice',
    username: 'alice',
    azp: 'mobileclient',
    iat: now,
    nbf: now,
    exp: now + 60,
    jti: randomBytes(16).toString('base64url'),
    redirect: '/orders/42',
    ...overrides,
  });
}

/**
 * Records, from inside the page, `location.href` at every `fetch` call (an init script: it runs before any page
 * script). Kept in sessionStorage so it survives the navigation to the web app.
 */
export const RECORD_FETCH_URLS = () => {
  const original = window.fetch;
  window.fetch = function (...args) {
    const seen = JSON.parse(sessionStorage.getItem('__fetchHrefs') ?? '[]');
    seen.push(location.href);
    sessionStorage.setItem('__fetchHrefs', JSON.stringify(seen));
    return original.apply(this, args);
  };
};

/** Page object for the landing page. */
export class Landing {
  constructor(page, site) {
    this.page = page;
    this.site = site;
  }

  async open(token) {
    const response = await this.page.goto(`${this.site.url}/handoff#handoff=${token}`);
    return response;
  }

  /** Waits for a failure screen and returns its code, title and links. */
  async failure() {
    const section = this.page.locator('section.failure');
    await section.waitFor({ timeout: 15_000 });
    return {
      code: await section.getAttribute('data-failure'),
      title: await section.locator('h1').textContent(),
      back: await section.locator('a.back').getAttribute('href'),
      other: await section.locator('a.other').getAttribute('href'),
      retry: await section.locator('button.retry').count(),
      status: await this.page.locator('[role="status"]').textContent(),
    };
  }

  async screenshot(name) {
    await mkdir(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }
}
