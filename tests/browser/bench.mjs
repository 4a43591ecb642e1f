// Landing page benchmark: Handoff's wasm page against the anchor a web team would write instead (aws-amplify v6,
// signIn CUSTOM_WITHOUT_SRP + confirmSignIn, in www/bench/amplify/), same site, same Cognito, same Chromium,
// rounds alternating, a fresh browser context per sign-in. Prints one table per profile and the targets;
// asserts nothing. Beside them runs the floor (www/bench/floor/): one HTML file whose inline script makes the same
// two Cognito calls, writes the session and leaves, with no code to download and no checks. floor/amplify is the best
// ratio any landing page could reach on this stack; the targets are judged against it too. (Not with `--stack`: the
// floor's inline script runs only on the bench's own server, `floorRule` in support.mjs.)
//
//   cargo xtask bench web [--rounds N] [--profile desktop|mobile|both] [--stack] [--timeline]
//   (or: node tests/browser/bench.mjs ...; `cargo xtask bench web --mobile` = `--profile mobile`)
//
// Profiles (default: both, measured in the same run, interleaved: every round signs in once per page per profile,
// the profiles' order and the pages' order alternating from round to round):
// - desktop: no throttling, Chromium's default context.
// - mobile: Lighthouse's mobile profile ("mobileSlow4G": rttMs 150, throughputKbps 1638.4, uploadThroughputKbps
//   750, cpuSlowdownMultiplier 4) applied with the simple, documented mapping to the DevTools protocol:
//   Network.emulateNetworkConditions {latency: 150 ms, downloadThroughput: 1638.4 kbit/s * 1024 / 8 bytes/s,
//   uploadThroughput: 750 kbit/s * 1024 / 8 bytes/s} and Emulation.setCPUThrottlingRate {rate: 4}. NOT
//   Lighthouse's own "devtools" throttling mapping (latency * 3.75 = 562.5 ms, throughput * 0.9), which
//   compensates for DevTools applying latency per request rather than per round trip: these numbers are milder
//   than that. Plus Playwright's Pixel 5 viewport, screen, device scale factor, user agent and touch.
//   The throttling is set through a CDP session on the page's target before `page.goto` (and on any other page the
//   context opens); a session lives as long as its target, so it survives the landing page's same-tab
//   navigation to the web app. Every sign-in checks that on the page it ends on: the document's
//   request-to-response time (>= the 150 ms latency when throttled) and a fixed JavaScript loop (about 4x slower).
//
// Per round and profile, ratio = handoff time / amplify time (the two sign-ins run back to back). Reported per
// profile: median and p90 of each page (linear interpolation between ranks), the median of the per-round ratios
// with its interquartile range and min-max, and p90(handoff) / p90(amplify). A WARNING line says when a ratio's
// spread is too wide to conclude (IQR > 0.15, or the interquartile interval straddles the target).
//
// `--timeline`: after the rounds, one more sign-in per page and profile, printed as the timeline of its requests
// (start and end of each, from navigation) and the moment the page leaves for the app: which request is on the
// critical path.
//
// Default: the loopback Cognito stand-in (page cost only, no edge). `--stack`: the real local stack from
// `.stack/env` (`cargo xtask stack up` first); links come from the edge, whose per-user rate limit
// (5 issues a minute by default) would pace the run: start the stack with
// `HANDOFF_RATE_ISSUES_PER_MINUTE=1000 HANDOFF_RATE_MAX_LIVE_TOKENS=100 cargo xtask stack up` for a full-speed run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, devices } from 'playwright-core';

import { codeSizes, sizes } from '../../www/site.mjs';
import { startCognito } from './cognito-standin.mjs';
import { CLIENT_ID, ROOT, SITE, floorRule, handoffToken, siteConfig, startSite } from './support.mjs';

const args = process.argv.slice(2);

function usage(message) {
  console.error(`error: ${message}\nusage: node tests/browser/bench.mjs [--rounds N] [--profile desktop|mobile|both] [--stack] [--timeline]`);
  process.exit(2);
}

function flagValue(flag) {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  if (at + 1 >= args.length) usage(`${flag} needs a value`);
  return args[at + 1];
}

const rounds = Number(flagValue('--rounds') ?? 20);
if (!Number.isInteger(rounds) || rounds < 1) usage('--rounds takes a whole number >= 1');
const useStack = args.includes('--stack');
// The floor page runs on the bench's own server only: the stack's site does not allow its inline script.
const PAGES = useStack ? ['handoff', 'amplify'] : ['handoff', 'amplify', 'floor'];
const showTimeline = args.includes('--timeline');
const profileArg = flagValue('--profile') ?? 'both';
if (!['desktop', 'mobile', 'both'].includes(profileArg)) usage(`--profile is desktop, mobile or both, not ${profileArg}`);

const VARIANTS = {
  handoff: { path: '/handoff', files: ['handoff/index.html', 'handoff/handoff.js', 'handoff/handoff_bg.wasm', 'handoff/landing.css'] },
  amplify: { path: '/bench/amplify/', files: ['bench/amplify/index.html', 'bench/amplify/landing.js', 'handoff/landing.css'] },
  floor: { path: '/bench/floor/', files: ['bench/floor/index.html'] },
};

/** The Handoff page's code (wasm + JS; index.html by its inline boot script) for the page-size target. */
const PAGE_CODE = ['handoff/index.html', 'handoff/handoff.js', 'handoff/handoff_bg.wasm'];

/** Lighthouse mobileSlow4G, simple mapping (see the header). */
const MOBILE_THROTTLING = { latencyMs: 150, downloadKbps: 1638.4, uploadKbps: 750, cpuRate: 4 };
const { defaultBrowserType: _, ...PIXEL_5 } = devices['Pixel 5'];

const PROFILES = {
  desktop: { context: {}, throttling: null, timeout: 20_000 },
  mobile: { context: PIXEL_5, throttling: MOBILE_THROTTLING, timeout: 60_000 },
};
const profiles = profileArg === 'both' ? ['desktop', 'mobile'] : [profileArg];

/** Where every sign-in's link sends the user: both pages go there when they are done. */
const REDIRECT = '/orders/42';

/** The targets. */
const TARGETS = { mobileMedian: 0.75, mobileP90: 0.85, desktopMedian: 0.9, pageCodeKb: 42 };
/** A ratio's interquartile range above this is too wide to conclude anything. */
const MAX_IQR = 0.15;

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
        body: JSON.stringify({ redirect: REDIRECT }),
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

/** The `q` quantile of `values` (0..1), interpolating linearly between ranks. */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Applies a profile's throttling to `page` through its own CDP session (one per target). */
async function throttle(context, page, throttling) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: throttling.latencyMs,
    downloadThroughput: (throttling.downloadKbps * 1024) / 8,
    uploadThroughput: (throttling.uploadKbps * 1024) / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttling.cpuRate });
}

/**
 * Runs in the page the sign-in ends on (after the redirect): is the throttling still there? DevTools' latency
 * shows in a response's end, not its start: the document's request start to response end is >= 150 ms when
 * throttled. The loop's time grows with the CPU rate.
 */
function pageCheck() {
  const nav = performance.getEntriesByType('navigation')[0];
  const t0 = performance.now();
  let x = 1;
  for (let i = 0; i < 5_000_000; i++) x = (x * 31 + i) | 0;
  return { path: location.pathname, docMs: nav.responseEnd - nav.requestStart, cpuMs: performance.now() - t0, x };
}

/**
 * Runs in the page a Handoff sign-in ends on: the page's wasm compiled asynchronously (V8's background threads)
 * and synchronously (the main thread, which CPU throttling slows). A fresh custom section each time keeps V8 from
 * answering from its module cache (the landing page compiled the same bytes in this renderer).
 */
async function wasmCheck() {
  const bytes = new Uint8Array(await (await fetch('/handoff/handoff_bg.wasm')).arrayBuffer());
  const fresh = () => {
    const name = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => 97 + (b % 26));
    const out = new Uint8Array(bytes.length + 11);
    out.set(bytes);
    out.set([0, 9, 8, ...name], bytes.length); // custom section: id 0, size 9, name of 8 letters
    return out;
  };
  const a = fresh();
  let t0 = performance.now();
  await WebAssembly.compile(a);
  const asyncMs = performance.now() - t0;
  const b = fresh();
  t0 = performance.now();
  new WebAssembly.Module(b); // eslint-disable-line no-new
  return { asyncMs, syncMs: performance.now() - t0 };
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
    const site = await startSite(siteConfig(cognito.endpoint), [floorRule()]);
    origin = site.url;
    cognitoOrigin = new URL(cognito.endpoint).origin;
    newToken = async () => handoffToken({ redirect: REDIRECT });
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

  /** One sign-in in a fresh context under `profileName`; `events`, when given, receives its request timeline. */
  async function signIn(profileName, name, events = null) {
    const profile = PROFILES[profileName];
    const token = await newToken();
    const context = await browser.newContext(profile.context);
    try {
      if (profile.throttling) context.on('page', (p) => throttle(context, p, profile.throttling).catch(() => {}));
      const page = await context.newPage();
      // Awaited here, before the navigation (the 'page' handler above is for pages the context opens later).
      if (profile.throttling) await throttle(context, page, profile.throttling);
      const seen = { posts: 0, first: null, leave: null, recording: true };
      serverCounts?.reset();
      const start = performance.now();
      if (events) {
        const at = () => (performance.now() - start).toFixed(0).padStart(6);
        const what = (r) => {
          const url = new URL(r.url());
          const operation = r.headers()['x-amz-target']?.split('.').pop();
          return operation ? `${url.origin === origin ? '' : 'cognito '}${operation}` : `${r.method()} ${url.pathname}`;
        };
        const log = (line) => seen.recording && events.push(line);
        page.on('request', (r) => log(`${at()} ms  start  ${what(r)}`));
        page.on('requestfinished', (r) => log(`${at()} ms  end    ${what(r)}`));
        page.on('requestfailed', (r) => log(`${at()} ms  FAILED ${what(r)}`));
      }
      page.on('request', (r) => {
        // The landing page is done when the browser asks for the app's document (the link's redirect).
        if (r.isNavigationRequest() && new URL(r.url()).pathname === REDIRECT) seen.leave ??= performance.now() - start;
        if (!r.url().startsWith(cognitoOrigin)) return;
        if (r.method() === 'POST') seen.posts++;
        seen.first ??= performance.now() - start;
      });
      await page.goto(`${origin}${VARIANTS[name].path}#handoff=${token}`);
      try {
        await page.locator('body[data-user]').waitFor({ timeout: profile.timeout });
      } catch (err) {
        throw new Error(`${name} (${profileName}): not signed in at ${page.url()}: ${await page.locator('body').innerText()}`);
      }
      const total = performance.now() - start;
      events?.push(`${total.toFixed(0).padStart(6)} ms  the app shows the user`);
      seen.recording = false; // what follows is the bench's own checks on that page
      const check = await page.evaluate(pageCheck);
      const wasm = name === 'handoff' ? await page.evaluate(wasmCheck) : null;
      return {
        total,
        first: seen.first,
        leave: seen.leave,
        posts: serverCounts ? serverCounts.posts() : seen.posts,
        preflights: serverCounts ? serverCounts.preflights() : null,
        check,
        wasm,
      };
    } finally {
      await context.close();
    }
  }

  const empty = () => ({ total: [], first: [], leave: [], posts: [], preflights: [], docMs: [], cpuMs: [], paths: new Set(), wasmAsync: [], wasmSync: [] });
  const results = Object.fromEntries(profiles.map((p) => [p, {
    pages: Object.fromEntries(PAGES.map((name) => [name, empty()])), ratios: [], leaveRatios: [], floorRatios: [], floorLeaveRatios: [],
  }]));
  const began = performance.now();
  const timelines = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const profileOrder = round % 2 === 0 ? profiles : [...profiles].reverse();
      // Rotated each round and reversed every other, so each page runs in each place as often.
      const rotated = [...PAGES.slice(round % PAGES.length), ...PAGES.slice(0, round % PAGES.length)];
      const pageOrder = round % 2 === 0 ? rotated : rotated.reverse();
      for (const profileName of profileOrder) {
        const times = {};
        for (const name of pageOrder) {
          const one = await signIn(profileName, name);
          const r = results[profileName].pages[name];
          r.total.push(one.total);
          r.first.push(one.first);
          r.leave.push(one.leave);
          r.posts.push(one.posts);
          r.preflights.push(one.preflights);
          r.docMs.push(one.check.docMs);
          r.cpuMs.push(one.check.cpuMs);
          r.paths.add(one.check.path);
          if (one.wasm) {
            r.wasmAsync.push(one.wasm.asyncMs);
            r.wasmSync.push(one.wasm.syncMs);
          }
          times[name] = one.total;
        }
        results[profileName].ratios.push(times.handoff / times.amplify);
        const leaves = results[profileName].pages;
        results[profileName].leaveRatios.push(leaves.handoff.leave.at(-1) / leaves.amplify.leave.at(-1));
        if (times.floor) {
          results[profileName].floorRatios.push(times.floor / times.amplify);
          results[profileName].floorLeaveRatios.push(leaves.floor.leave.at(-1) / leaves.amplify.leave.at(-1));
        }
      }
      process.stderr.write(`bench: round ${round + 1}/${rounds} done\n`);
    }
    if (showTimeline) {
      for (const profileName of profiles) {
        for (const name of PAGES) {
          const events = [];
          await signIn(profileName, name, events);
          timelines.push(`\n${name}, ${profileName}: one sign-in, its requests from navigation (Chromium's events)`, ...events);
        }
      }
    }
  } finally {
    await browser.close();
    await cleanup();
  }
  await report(results, (performance.now() - began) / 1000);
  for (const line of timelines) console.log(line);
}

async function report(results, seconds) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const ms = (n) => (n == null ? 'n/a' : `${n.toFixed(0)} ms`);
  const x = (n) => n.toFixed(2);
  const count = (values) => (values[0] == null ? 'n/a' : String(quantile(values, 0.5)));
  const mark = (ok) => (ok ? 'met' : 'MISSED');

  const sizeOf = async (files, measure = sizes) => {
    const rows = await measure(files.map((f) => join(SITE, f)));
    const sum = (k) => rows.reduce((a, f) => a + f[k], 0);
    return { gzip: sum('gzip'), brotli: sum('brotli'), raw: sum('raw') };
  };
  const pageSizes = {};
  for (const [name, variant] of Object.entries(VARIANTS)) pageSizes[name] = await sizeOf(variant.files);
  const code = await sizeOf(PAGE_CODE, codeSizes);

  console.log(`\nlanding page benchmark: ${rounds} round${rounds === 1 ? '' : 's'} of ${profiles.join(' + ')}, `
    + `${useStack ? 'real local stack' : 'Cognito stand-in'}, Chromium headless, ${seconds.toFixed(0)} s`);
  console.log('a fresh context per sign-in; time = navigation to the demo app showing the user (getCurrentUser);');
  console.log('first = to the first Cognito request (median); leave = to the request for the app (the landing page');
  console.log('done; the rest is the app starting, the same for both); sizes = the page\'s HTML, JS, wasm and CSS; measured on');
  const paths = [...new Set(profiles.flatMap((p) => Object.values(results[p].pages).flatMap((r) => [...r.paths])))];
  console.log(`the page signed in (${paths.join(', ')}): doc = its document's request to response end`);
  console.log('(where DevTools\' latency shows), CPU = a fixed JS loop (its time grows with the CPU slowdown)');

  const summary = {};
  const warnings = [];
  for (const profileName of profiles) {
    const { pages, ratios, leaveRatios, floorRatios, floorLeaveRatios } = results[profileName];
    const t = PROFILES[profileName].throttling;
    const what = t
      ? `latency ${t.latencyMs} ms, ${t.downloadKbps} / ${t.uploadKbps} kbit/s down / up, CPU ${t.cpuRate}x, Pixel 5 viewport`
      : 'no throttling';
    console.log(`\n${profileName} (${what})`);
    const header = ['page', 'gzip', 'brotli', 'raw', 'median', 'p90', 'first', 'leave', 'POSTs', 'preflights', 'doc', 'CPU'];
    const rows = [header];
    for (const name of PAGES) {
      const r = pages[name];
      const s = pageSizes[name];
      rows.push([
        name, kb(s.gzip), kb(s.brotli), kb(s.raw), ms(quantile(r.total, 0.5)), ms(quantile(r.total, 0.9)),
        ms(quantile(r.first.filter((v) => v != null), 0.5)), ms(quantile(r.leave, 0.5)), count(r.posts), count(r.preflights),
        ms(quantile(r.docMs, 0.5)), ms(quantile(r.cpuMs, 0.5)),
      ]);
    }
    const widths = header.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));

    const median = quantile(ratios, 0.5);
    const q1 = quantile(ratios, 0.25);
    const q3 = quantile(ratios, 0.75);
    const p90 = quantile(pages.handoff.total, 0.9) / quantile(pages.amplify.total, 0.9);
    const floor = floorRatios.length
      ? { median: quantile(floorRatios, 0.5), p90: quantile(pages.floor.total, 0.9) / quantile(pages.amplify.total, 0.9) }
      : null;
    summary[profileName] = { median, q1, q3, p90, floor };
    console.log(`handoff/amplify per round: median ${x(median)}, IQR ${x(q1)}-${x(q3)} (${x(q3 - q1)}), `
      + `min-max ${x(Math.min(...ratios))}-${x(Math.max(...ratios))}, n ${ratios.length}; p90 ratio ${x(p90)}`);
    console.log(`the landing page alone (leave), per round: median ${x(quantile(leaveRatios, 0.5))}, `
      + `IQR ${x(quantile(leaveRatios, 0.25))}-${x(quantile(leaveRatios, 0.75))}`);
    if (floor) {
      console.log(`the floor: floor/amplify per round: median ${x(floor.median)}, IQR ${x(quantile(floorRatios, 0.25))}-${x(quantile(floorRatios, 0.75))}; `
        + `p90 ratio ${x(floor.p90)}; leave median ${x(quantile(floorLeaveRatios, 0.5))}; handoff/floor: median ${x(quantile(ratios.map((r, i) => r / floorRatios[i]), 0.5))}`);
    }
    const ms1 = (n) => `${n.toFixed(1)} ms`;
    console.log(`Handoff wasm compiled on that page (median, fresh bytes): async ${ms1(quantile(pages.handoff.wasmAsync, 0.5))}, `
      + `sync (main thread) ${ms1(quantile(pages.handoff.wasmSync, 0.5))}`);
  }

  console.log('\ntargets');
  const lines = [];
  const ratioTarget = (label, profileName, key, target) => {
    const got = summary[profileName];
    if (!got) {
      lines.push([label, 'n/a', `<= ${x(target)}`, `not measured (--profile ${profileArg})`]);
      return;
    }
    const value = got[key];
    const best = got.floor?.[key];
    const reach = best === undefined ? 'no floor with --stack'
      : best <= target ? `the floor: ${x(best)}` : `OUT OF REACH: even the floor is ${x(best)}`;
    lines.push([label, x(value), `<= ${x(target)}`, `${mark(value <= target)} (${reach})`]);
    if (key === 'median') {
      if (got.q3 - got.q1 > MAX_IQR) {
        warnings.push(`${label}: the ratio's IQR is ${x(got.q3 - got.q1)} (> ${MAX_IQR}): too wide to conclude`);
      } else if (got.q1 <= target && target < got.q3) {
        warnings.push(`${label}: its interquartile interval ${x(got.q1)}-${x(got.q3)} straddles ${x(target)}: inconclusive`);
      }
    } else if (rounds < 10) {
      warnings.push(`${label}: from ${rounds} rounds, a p90 rests on each page's slowest sign-in or two`);
    }
  };
  ratioTarget('mobile median ratio', 'mobile', 'median', TARGETS.mobileMedian);
  ratioTarget('mobile p90 ratio', 'mobile', 'p90', TARGETS.mobileP90);
  ratioTarget('desktop median ratio', 'desktop', 'median', TARGETS.desktopMedian);
  lines.push(['handoff page code (wasm + JS, gzip)', kb(code.gzip), `<= ${TARGETS.pageCodeKb} KB`, mark(code.gzip <= TARGETS.pageCodeKb * 1024)]);
  const widths = [0, 1, 2].map((i) => Math.max(...lines.map((l) => l[i].length)));
  for (const l of lines) console.log(`  ${l[0].padEnd(widths[0])}  ${l[1].padStart(widths[1])}  ${l[2].padEnd(widths[2])}  ${l[3]}`);
  for (const w of warnings) console.log(`WARNING: ${w}`);
  if (warnings.length) console.log('(more rounds, on a quieter machine, narrow the spread)');
}

main().catch((err) => {
  console.error(`error: ${err.stack ?? err}`);
  process.exit(1);
});
