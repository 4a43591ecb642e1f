// The browser half of `cargo xtask demo`: opens a handoff link in headless Chromium (Debian's, through
// playwright-core), waits until the demo web app (real aws-amplify v6) shows the signed-in user, saves a
// screenshot, and prints each step with its time. Never prints the token.
//
//   node xtask/scripts/demo-browser.mjs <handoff-url> <screenshot.png>

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot || !url.includes('#handoff=')) {
  console.error('usage: node xtask/scripts/demo-browser.mjs <handoff-url> <screenshot.png>');
  process.exit(2);
}

const started = performance.now();
const step = (what) => console.log(`demo:   [${((performance.now() - started) / 1000).toFixed(2).padStart(6)} s] ${what}`);

const profile = await mkdtemp(join(tmpdir(), 'handoff-demo-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 900, height: 640 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  step('Chromium started');
  const page = context.pages()[0] ?? (await context.newPage());
  let cognitoPosts = 0;
  let scrubbedBeforeFirstRequest = null;
  const landing = new URL(url);
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.headers()['x-amz-target']?.startsWith('AWSCognitoIdentityProviderService.')) {
      cognitoPosts += 1;
      // The page must have removed the token from the address bar before its first request.
      scrubbedBeforeFirstRequest ??= !page.url().includes('handoff=');
    }
  });
  const navigated = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  step(`landing page opened (${landing.origin}${landing.pathname}, token in the fragment only)`);
  try {
    await page.waitForSelector('body[data-user]', { timeout: 30_000 });
  } catch {
    const failure = screenshot.replace(/\.png$/, '') + '-failed.png';
    await mkdir(dirname(failure), { recursive: true });
    await page.screenshot({ path: failure, fullPage: true });
    const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ').slice(0, 300);
    console.error(`demo: the web app did not show a signed-in user within 30 s; page says: ${text}`);
    console.error(`demo: screenshot of the failure: ${failure}`);
    process.exitCode = 1;
  }
  if (process.exitCode !== 1) {
    const user = await page.evaluate(() => document.body.dataset.user);
    const ms = performance.now() - navigated;
    step(scrubbedBeforeFirstRequest ? 'the token was scrubbed from the address bar before the first request'
      : 'WARNING: the token was still in the address bar at the first request');
    step(`signed in: the Amplify app at ${new URL(page.url()).pathname} shows "${user}" ` +
      `(${ms.toFixed(0)} ms from navigation, ${cognitoPosts} POSTs to Cognito)`);
    await mkdir(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    step(`screenshot: ${screenshot}`);
  }
} catch (err) {
  console.error(`demo: browser step failed: ${err.message ?? err}`);
  process.exitCode = 1;
} finally {
  await context?.close();
  await rm(profile, { recursive: true, force: true });
}
