// Assembling the static site (called by `cargo xtask build-web`) and the helpers the server shares with it:
// inlining the configuration and the boot script, the `_headers` file (Referrer-Policy, CSP, nosniff; connect-src
// names Cognito and, when the config has `edgeUrl`, the edge; script-src the boot script's hash), and size
// measurement.
//
//   node www/site.mjs assemble --out DIR --page DIR --pkg DIR --config FILE
//   node www/site.mjs sizes FILE...
//   node www/site.mjs budget KB [--subject TEXT --constant NAME] FILE...
//                                           (fails when the files' code is over KB gzip; see `codeSizes`)

import { cp, mkdir, readdir, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { createHash } from 'node:crypto';

const WWW = dirname(fileURLToPath(import.meta.url));

/** Parses a `_headers` file: `/path` (or `/*`) lines, then indented `Name: value` lines. */
export function parseHeaders(text) {
  const rules = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      rules.push({ pattern: line.trim(), headers: {} });
    } else if (rules.length) {
      const at = line.indexOf(':');
      if (at > 0) rules.at(-1).headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  return rules;
}

/** The origin of Cognito's endpoint, for the CSP's connect-src. */
export function endpointOrigin(config) {
  const endpoint = config.cognitoEndpoint ?? `https://cognito-idp.${config.region}.amazonaws.com/`;
  return new URL(endpoint).origin;
}

/**
 * The edge's origin when the config names one (`edgeUrl`), else null. Throws unless it is an https origin (http
 * on a loopback host) with no path, query, fragment or userinfo: the page refuses anything else too
 * (web-client/src/config.rs, `edge_origin`), and the origin goes into the CSP as it is.
 */
export function edgeOrigin(config) {
  const edge = config.edgeUrl;
  if (edge === undefined || edge === null) return null;
  const loopback = /^(localhost|127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}|\[::1\])$/i;
  const label = '(?!-)[A-Za-z0-9-]{1,63}(?<!-)';
  const host = `${label}(?:\\.${label})*|\\[[0-9A-Fa-f:]*:[0-9A-Fa-f:]*\\]`;
  const shape = new RegExp(`^(?<scheme>https?)://(?<host>${host})(?::(?<port>\\d{1,5}))?/?$`);
  const m = typeof edge === 'string' ? edge.match(shape)?.groups : null;
  const port = m?.port === undefined ? 1 : Number(m.port);
  if (!m || port < 1 || port > 65535 || (m.scheme === 'http' && !loopback.test(m.host))) {
    throw new Error('config: `edgeUrl` must be an https origin (http on a loopback host), with no path, query or userinfo');
  }
  return new URL(edge).origin;
}

/** The CSP's connect-src sources: the site itself, Cognito, and the edge when the page calls it. */
export function connectSources(config) {
  return [...new Set(["'self'", endpointOrigin(config), edgeOrigin(config)].filter(Boolean))].join(' ');
}

/**
 * Inlines `config` into every `#handoff-config` block of `html` (`<`, `>`, `&` escaped: it cannot close the block)
 * and points the page's preconnect at its Cognito endpoint.
 */
export function inlineConfig(html, config) {
  const json = JSON.stringify(config).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  // The browser opens the connection to Cognito (DNS, TCP, TLS) while it parses the page, before boot.js asks.
  const preconnect = `<link rel="preconnect" href="${endpointOrigin(config)}" crossorigin>`;
  return html
    .replace(/<link rel="preconnect" href="[^"]*" crossorigin>/g, () => preconnect)
    .replace('@HANDOFF_CONFIG@', () => json)
    .replace(
      /(<script type="application\/json" id="handoff-config">)[\s\S]*?(<\/script>)/g,
      (_, open, close) => `${open}${json}${close}`,
    );
}

/** The page's words: every `web-client/messages/<lang>.json`, as `{lang: {key: text}}`. */
export async function messages() {
  const dir = join(WWW, '..', 'web-client', 'messages');
  const all = {};
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    all[basename(file, '.json')] = JSON.parse(await readFile(join(dir, file), 'utf8'));
  }
  return all;
}

/** Inlines the messages into the `#handoff-messages` block (escaped like the configuration). */
export function inlineMessages(html, catalogue) {
  const json = JSON.stringify(catalogue).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return html.replace('@HANDOFF_MESSAGES@', () => json);
}

/** The CSP source that allows exactly the inline script `js` (its text as it stands between the tags). */
export function scriptHash(js) {
  return `'sha256-${createHash('sha256').update(js, 'utf8').digest('base64')}'`;
}

/**
 * Inlines the (minified) boot script `js` into the `@HANDOFF_BOOT@` block of `html`. Throws if the script could end
 * its own block early (`</script` or `<!--` inside it): the page would break, or worse, run the rest as markup.
 */
export function inlineBoot(html, js) {
  if (/<\/script|<!--/i.test(js)) throw new Error('boot.js: must not contain `</script` or `<!--` (it is inlined)');
  if (!html.includes('@HANDOFF_BOOT@')) throw new Error('landing page: no @HANDOFF_BOOT@ block to inline boot.js into');
  return html.replace('@HANDOFF_BOOT@', () => js);
}

/** The inline scripts of a page (`<script>` blocks without `src`, not JSON data), as their exact texts. */
export function inlineScripts(html) {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>([\s\S]*?)<\/script>/g)]
    .map((m) => m[1]);
}

/** `www/landing/boot.js`, minified for inlining. */
async function bootScript() {
  const { transform } = await import('esbuild');
  const { code } = await transform(await readFile(join(WWW, 'landing', 'boot.js'), 'utf8'), {
    format: 'esm',
    minify: true,
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'warning',
  });
  return code.trim();
}

/**
 * The site's security headers for a configuration; `scripts` are the texts of the inline scripts the CSP allows
 * (by hash: the landing page's boot script).
 */
export function headersFile(config, scripts = []) {
  const csp = [
    "default-src 'none'",
    ["script-src 'self' 'wasm-unsafe-eval'", ...scripts.map(scriptHash)].join(' '),
    // 'self': the page's own wasm is fetched (instantiateStreaming), and fetch() is governed by connect-src.
    `connect-src ${connectSources(config)}`,
    "style-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
  return [
    '# Security headers for every path (Cloudflare Pages / Netlify `_headers` format; www/serve.mjs applies it too).',
    '/*',
    '  Referrer-Policy: no-referrer',
    `  Content-Security-Policy: ${csp}`,
    '  X-Content-Type-Options: nosniff',
    '  Cross-Origin-Opener-Policy: same-origin',
    '',
  ].join('\n');
}

/** Bundles a browser module with esbuild (minified ESM, no source map, nothing loaded from elsewhere). */
async function bundle(entry, outfile) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    platform: 'browser',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

function checkConfig(config) {
  for (const key of ['region', 'clientId']) {
    if (typeof config[key] !== 'string' || !config[key]) throw new Error(`config: \`${key}\` is required`);
  }
  if (!Array.isArray(config.redirectAllowlist)) throw new Error('config: `redirectAllowlist` must be an array');
  endpointOrigin(config);
  edgeOrigin(config);
}

/** The landing page's code files, as `cargo xtask build-web` writes them: the sign-in, then the screens. */
export const PAGE_FILES = ['handoff.js', 'handoff_bg.wasm', 'screens.js', 'screens_bg.wasm'];

/**
 * Builds the site in `out`: `/handoff` (landing page), `/` (demo web app), `/api-demo/` (plain-JS page using the
 * npm package), `/pkg/` (the npm package's browser files), `/bench/amplify/` (the Amplify anchor), `/bench/floor/`
 * (the benchmark's floor), `_headers`.
 */
export async function assemble({ out, page, pkg, config }) {
  checkConfig(config);
  await rm(out, { recursive: true, force: true });
  const catalogue = await messages();
  const boot = await bootScript();
  const html = async (from, to, inline = (text) => text) => {
    await mkdir(dirname(to), { recursive: true });
    await writeFile(to, inline(inlineMessages(inlineConfig(await readFile(from, 'utf8'), config), catalogue)));
  };
  const copy = async (from, to) => {
    await mkdir(dirname(to), { recursive: true });
    await cp(from, to);
  };
  await html(join(WWW, 'landing/index.html'), join(out, 'handoff/index.html'), (text) => inlineBoot(text, boot));
  await copy(join(WWW, 'landing', 'landing.css'), join(out, 'handoff', 'landing.css'));
  // The sign-in (handoff.*), and the screens (screens.*) it loads only when it has a screen to show.
  for (const f of PAGE_FILES) await copy(join(page, f), join(out, 'handoff', f));
  await html(join(WWW, 'app/index.html'), join(out, 'index.html'));
  await bundle(join(WWW, 'app/app.js'), join(out, 'app/app.js'));
  await html(join(WWW, 'api-demo/index.html'), join(out, 'api-demo/index.html'));
  await copy(join(WWW, 'api-demo/api-demo.js'), join(out, 'api-demo/api-demo.js'));
  for (const f of ['handoff_web.js', 'handoff_web_bg.wasm']) await copy(join(pkg, f), join(out, 'pkg', f));
  // wasm-bindgen's snippet modules: the import-time scrub of the fragment lives there.
  await cp(join(pkg, 'snippets'), join(out, 'pkg', 'snippets'), { recursive: true });
  // The benchmark's anchor page (aws-amplify v6 doing the same sign-in).
  await html(join(WWW, 'bench/amplify/index.html'), join(out, 'bench/amplify/index.html'));
  await bundle(join(WWW, 'bench/amplify/landing.js'), join(out, 'bench/amplify/landing.js'));
  // The benchmark's floor page: its inline script is allowed by the benchmark's own server rule
  // (tests/browser/bench.mjs), never by this site's _headers.
  await html(join(WWW, 'bench/floor/index.html'), join(out, 'bench/floor/index.html'));
  await writeFile(join(out, '_headers'), headersFile(config, [boot]));
}

/** Raw, gzip (level 9) and brotli (quality 11) sizes of `files`, in bytes. */
export async function sizes(files) {
  return measure(files, (file) => readFile(file));
}

/**
 * The sizes of the code in `files`: a script or wasm file whole, an HTML page by its inline scripts only (the
 * landing page's boot script; its configuration and words are data).
 */
export async function codeSizes(files) {
  return measure(files, async (file) => (file.endsWith('.html')
    ? Buffer.from(inlineScripts(await readFile(file, 'utf8')).join(''), 'utf8')
    : readFile(file)));
}

async function measure(files, bytesOf) {
  const rows = [];
  for (const file of files) {
    const body = await bytesOf(file);
    rows.push({
      file,
      raw: body.length,
      gzip: gzipSync(body, { level: 9 }).length,
      brotli: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
    });
  }
  return rows;
}

function printSizes(rows) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const total = { file: 'total', raw: 0, gzip: 0, brotli: 0 };
  console.log(`${'file'.padEnd(28)} ${'raw'.padStart(10)} ${'gzip'.padStart(10)} ${'brotli'.padStart(10)}`);
  for (const row of [...rows, total]) {
    if (row !== total) for (const k of ['raw', 'gzip', 'brotli']) total[k] += row[k];
    console.log(`${basename(row.file).padEnd(28)} ${kb(row.raw).padStart(10)} ${kb(row.gzip).padStart(10)} ${kb(row.brotli).padStart(10)}`);
  }
}

/**
 * The size budget: `null` when the gzip total of `rows` (from `codeSizes`) is within `budgetKb`, else the message the
 * build fails with, naming `subject` and the xtask constant that holds the budget.
 */
export function overBudget(rows, budgetKb, { subject = "the landing page's code", constant = 'PAGE_CODE_BUDGET_KB' } = {}) {
  const total = rows.reduce((sum, row) => sum + row.gzip, 0);
  if (!(budgetKb > 0)) return `size budget: ${budgetKb} is not a size in KB`;
  if (total <= budgetKb * 1024) return null;
  const list = rows.map((row) => `${basename(row.file)} ${(row.gzip / 1024).toFixed(1)} KB`).join(', ');
  return `size budget: ${subject} is ${(total / 1024).toFixed(1)} KB gzip (${list}), over its budget of ` +
    `${budgetKb} KB (${constant} in xtask/src/web.rs). Make it smaller, or raise the budget in the same ` +
    'commit and say why.';
}

async function main([command, ...argv]) {
  if (command === 'sizes') {
    printSizes(await sizes(argv));
    return;
  }
  if (command === 'budget') {
    // budget KB [--subject TEXT --constant NAME] FILE...
    const [kb, ...rest] = argv;
    const named = {};
    while (rest[0]?.startsWith('--')) {
      const [flag, value] = rest.splice(0, 2);
      if (flag !== '--subject' && flag !== '--constant' || value === undefined) throw new Error(`budget: unknown or empty ${flag}`);
      named[flag.slice(2)] = value;
    }
    const over = overBudget(await codeSizes(rest), Number(kb), named);
    if (over) throw new Error(over);
    console.log(`size budget: ${named.subject ?? "the landing page's code"} within ${kb} KB gzip`);
    return;
  }
  if (command !== 'assemble') throw new Error('usage: node www/site.mjs assemble|sizes|budget ...');
  const args = {};
  for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const key of ['out', 'page', 'pkg', 'config']) if (!args[key]) throw new Error(`assemble needs --${key}`);
  await stat(args.config);
  const config = JSON.parse(await readFile(args.config, 'utf8'));
  await assemble({ ...args, config });
  console.log(`site assembled in ${args.out}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  });
}
