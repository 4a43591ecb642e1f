// Landing page benchmark: Handoff's wasm page against the anchor a web team would write instead (aws-amplify v6,
// signIn CUSTOM_WITHOUT_SRP + confirmSignIn, in www/bench/amplify/), same site, same Cognito, same Chromium,
// rounds alternating, a fresh browser context per sign-in. Prints a table; asserts nothing.
//
//   cargo xtask bench web [--rounds N] [--stack]     (or: node tests/browser/bench.mjs ...)
//
// Default: the loopback Cognito stand-in (page cost only, no edge). `--stack`: the real local stack from
// `.stack/env` (`cargo xtask stack up` first); links come from the edge, whose per-user rate limit
// (5 issues a minute by default) would pace the run: start the stack with
// `HANDOFF_RATE_ISSUES_PER_MINUTE=1000 HANDOFF_RATE_MAX_LIVE_TOKENS=100 cargo xtask stack up` for a full-speed run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { sizes } from '../../www/site.mjs';
import { startCognito } from './cognito-standin.mjs';
import { CLIENT_ID, ROOT, SITE, handoffToken, siteConfig, startSite } from './support.mjs';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 20;
const useStack = args.includes('--stack');

const VARIANTS = {
  handoff: { path: '/handoff', files: ['handoff/index.html', 'handoff/boot.js', 'handoff/handoff.js', 'handoff/handoff_bg.wasm', 'handoff/landing.css'] },
  amplify: { path: '/bench/amplify/', files: ['bench/amplify/index.html', 'bench/amplify/landing.js', 'handoff/landing.css'] },
};

function readEnv() {
  const env = {};
  for (const line of readFileSync(join(ROOT, '.stack', 'env'), 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

async function stackLinks(env) {
  const res = await fetch(env.COGNITO_ENDPOINT, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: env.MOBILE_CLIENT_ID,
      AuthParameters: { USERNAME: env.DEMO_USERNAME, PASSWORD: env.DEMO_PASSWORD },
    }),
  });
  const access = (await res.json()).AuthenticationResult.AccessToken;
  return async () => {
    for (;;) {
      const issued = await fetch(`${env.EDGE_URL}/v1/handoffs`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${access}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect: '/orders/42' }),
      });
      if (issued.status === 201) return (await issued.json()).token;
      if (issued.status !== 429) throw new Error(`POST /v1/handoffs: ${issued.status} ${await issued.text()}`);
      const wait = Number(issued.headers.get('retry-after') ?? '5');
      process.stderr.write(`bench: edge rate limit, waiting ${wait} s (raise it: HANDOFF_RATE_ISSUES_PER_MINUTE=1000 `
        + 'HANDOFF_RATE_MAX_LIVE_TOKENS=100 at `cargo xtask stack up`)\n');
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  };
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  let origin;
  let cognitoOrigin;
  let newToken;
  let cleanup = async () => {};
  // Server-side request counts (CORS preflights never reach Playwright's request events); stand-in only.
  let serverCounts = null;
  if (useStack) {
    const env = readEnv();
    origin = new URL(env.WEB_URL).origin;
    cognitoOrigin = new URL(env.COGNITO_ENDPOINT).origin;
    newToken = await stackLinks(env);
  } else {
    const cognito = await startCognito({ clientId: CLIENT_ID });
    const site = await startSite(siteConfig(cognito.endpoint));
    origin = site.url;
    cognitoOrigin = new URL(cognito.endpoint).origin;
    newToken = async () => handoffToken({ redirect: '/orders/42' });
    serverCounts = {
      reset: () => cognito.reset(),
      preflights: () => cognito.preflights().length,
      posts: () => cognito.posts().length,
    };
    cleanup = async () => {
      await site.close();
      await cognito.close();
    };
  }

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const results = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, { total: [], first: [], posts: [], preflights: [] }]));
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['handoff', 'amplify'] : ['amplify', 'handoff'];
      for (const name of order) {
        const token = await newToken();
        const context = await browser.newContext();
        const page = await context.newPage();
        const seen = { posts: 0, first: null };
        serverCounts?.reset();
        const start = performance.now();
        page.on('request', (r) => {
          if (!r.url().startsWith(cognitoOrigin)) return;
          if (r.method() === 'POST') seen.posts++;
          seen.first ??= performance.now() - start;
        });
        await page.goto(`${origin}${VARIANTS[name].path}#handoff=${token}`);
        try {
          await page.locator('body[data-user]').waitFor({ timeout: 20_000 });
        } catch (err) {
          throw new Error(`${name}: not signed in at ${page.url()}: ${await page.locator('body').innerText()}`);
        }
        const r = results[name];
        r.total.push(performance.now() - start);
        r.first.push(seen.first);
        r.posts.push(serverCounts ? serverCounts.posts() : seen.posts);
        r.preflights.push(serverCounts ? serverCounts.preflights() : null);
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await cleanup();
  }

  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const ms = (n) => `${n.toFixed(0)} ms`;
  console.log(`\nlanding page benchmark: ${rounds} fresh contexts each, ${useStack ? 'real local stack' : 'Cognito stand-in'}, Chromium headless`);
  console.log('time = navigation to the demo app showing the user (Amplify getCurrentUser); first = to the first Cognito request\n');
  const header = ['page', 'gzip', 'brotli', 'raw', 'median', 'p90', 'first (median)', 'POSTs', 'preflights'];
  const rows = [header];
  for (const [name, variant] of Object.entries(VARIANTS)) {
    const files = await sizes(variant.files.map((f) => join(SITE, f)));
    const sum = (k) => files.reduce((a, f) => a + f[k], 0);
    const r = results[name];
    rows.push([
      name, kb(sum('gzip')), kb(sum('brotli')), kb(sum('raw')), ms(percentile(r.total, 50)), ms(percentile(r.total, 90)),
      ms(percentile(r.first, 50)), String(percentile(r.posts, 50)), serverCounts ? String(percentile(r.preflights, 50)) : 'n/a',
    ]);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
}

main().catch((err) => {
  console.error(`error: ${err.stack ?? err}`);
  process.exit(1);
});
