// The npm package (pkg/, written by `cargo xtask build-web`) as a web app's developer meets it: packed with
// `npm pack` (so `files` decides what ships), installed into a fresh app, built with each recipe of the package's
// README exactly as written there (plain <script type="module">, esbuild, Vite), served on 127.0.0.1 with the
// README's headers and opened in Debian's Chromium. Cognito is the loopback stand-in of cognito-standin.mjs: the
// README's configuration names the real regional endpoint, whose requests the browser hands to the stand-in.
//
// The README is the source: every fenced block after a `<!-- recipe: NAME serve=DIR landing=PATH -->` marker is
// a file of that recipe (named by its first line's comment) or, for `sh` blocks, its commands. Change a recipe in
// xtask/src/pkg-readme.md (PKG_README in xtask/src/web.rs) and this test builds the new one.
//
// Also checked: package.json (exports reach the wasm, license and repository as the workspace declares them),
// the TypeScript declarations against the Rust configuration (web-client/src/config.rs), and the output of the
// documented `wasm-pack build` (target/wasm-pack/handoff-web, written by the test command's build-wasm-pack step).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile as execFileCb } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';

import { startCognito } from './cognito-standin.mjs';
import { ROOT, handoffToken, launchChromium } from './support.mjs';
import { TYPES } from '../../www/serve.mjs';

const execFile = promisify(execFileCb);

/** The package as `cargo xtask build-web` writes it. */
const PKG = process.env.HANDOFF_PKG ?? join(ROOT, 'pkg');
/** What the test command's `wasm-pack build` step writes (xtask/src/test.rs). */
const WASM_PACK_PKG = join(ROOT, 'target', 'wasm-pack', 'handoff-web');
/** Apps are built under target/ so that a recipe's `import ... from 'vite'` finds the repository's Vite. */
const APPS = join(ROOT, 'target', 'npm-package-test');
const BIN = join(ROOT, 'node_modules', '.bin');
/** Any regional Cognito endpoint (the README's configuration names one; the stand-in answers for it). */
const COGNITO = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\//;

// ---------------------------------------------------------------------------------------------------------------
// The README's recipes

/**
 * Reads the recipes out of the README: `Map(name -> {attrs, files: Map(path -> text), commands: [line], headers})`.
 * A recipe runs from its marker to the next heading.
 */
function parseRecipes(readme) {
  const recipes = new Map();
  const lines = readme.split('\n');
  let current = null;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    const marker = line.match(/^<!-- recipe: ([\w-]+)((?: [\w-]+=\S+)*) -->$/);
    if (marker) {
      const attrs = Object.fromEntries(marker[2].trim().split(/\s+/).filter(Boolean).map((kv) => kv.split('=')));
      current = { name: marker[1], attrs, files: new Map(), commands: [], headers: null };
      assert.ok(!recipes.has(current.name), `recipe ${current.name} twice in the README`);
      recipes.set(current.name, current);
      continue;
    }
    if (/^#{1,6} /.test(line)) {
      current = null;
      continue;
    }
    const fence = line.match(/^```(\w*)$/);
    if (!fence) continue;
    const body = [];
    for (i += 1; i < lines.length && lines[i] !== '```'; i += 1) body.push(lines[i]);
    assert.ok(i < lines.length, 'unterminated code block in the README');
    if (!current) continue;
    if (current.name === 'headers') {
      current.headers = Object.fromEntries(
        body.map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]),
      );
    } else if (fence[1] === 'sh') {
      current.commands.push(...body.filter((l) => l.trim() && !l.startsWith('#')));
    } else {
      const name = body[0]?.match(/^(?:\/\/ (\S+)|<!-- (\S+) -->)$/);
      assert.ok(name, `recipe ${current.name}: a ${fence[1]} block must start with a comment naming its file`);
      current.files.set(name[1] ?? name[2], `${body.join('\n')}\n`);
    }
  }
  return recipes;
}

/** Splits one shell command line into words; anything that needs a real shell is refused. */
function words(command) {
  assert.doesNotMatch(command, /["'`$|;<>\\*]/, `not a plain command: ${command}`);
  return command.trim().split(/\s+/);
}

/**
 * Runs a recipe's command in `dir`. Known: `mkdir -p DIR`, `cp -r SRC DST`, `npx esbuild ARGS`
 * (node_modules/.bin/esbuild) and `npx vite build` (Vite's JS API `build()`, the same as the CLI).
 */
async function runCommand(command, dir) {
  for (const part of command.split('&&')) {
    const [program, ...args] = words(part);
    const at = (p) => {
      const path = resolve(dir, p);
      assert.ok(path.startsWith(dir + sep), `${p} leaves the app's directory`);
      return path;
    };
    if (program === 'mkdir' && args[0] === '-p') {
      for (const d of args.slice(1)) await mkdir(at(d), { recursive: true });
    } else if (program === 'cp' && args[0] === '-r' && args.length === 3) {
      const src = at(args[1]);
      let dst = at(args[2]);
      if (existsSync(dst) && (await stat(dst)).isDirectory()) dst = join(dst, basename(src));
      await cp(src, dst, { recursive: true });
    } else if (program === 'npx' && args[0] === 'esbuild') {
      await execFile(join(BIN, 'esbuild'), args.slice(1), { cwd: dir });
    } else if (program === 'npx' && args[0] === 'vite' && args[1] === 'build' && args.length === 2) {
      const { build } = await import('vite');
      await build({ root: dir, logLevel: 'warn' });
    } else {
      assert.fail(`the test does not know the README's command \`${part.trim()}\`: teach runCommand`);
    }
  }
}

/** `npm pack`s `pkg` (its `files` decide what ships) and unpacks it as `node_modules/handoff-web` of `app`. */
async function install(pkg, app) {
  const scratch = await mkdtemp(join(tmpdir(), 'handoff-npm-'));
  try {
    const { stdout } = await execFile('npm', ['pack', '--json', '--pack-destination', scratch, pkg], {
      cwd: scratch,
      env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
    });
    const [packed] = JSON.parse(stdout);
    const target = join(app, 'node_modules', 'handoff-web');
    await mkdir(target, { recursive: true });
    await execFile('tar', ['-xzf', join(scratch, packed.filename), '-C', target, '--strip-components=1']);
    return packed.files.map((f) => f.path).sort();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Writes a recipe's files into a fresh app with the package installed, then runs its commands. */
async function buildRecipe(recipe, { pkg = PKG, name = recipe.name } = {}) {
  const app = join(APPS, name);
  await rm(app, { recursive: true, force: true });
  await mkdir(app, { recursive: true });
  // The app's own package.json (it also keeps Vite's cache in the app's node_modules).
  await writeFile(join(app, 'package.json'), `${JSON.stringify({ name: `${name}-app`, private: true, type: 'module' }, null, 2)}\n`);
  await install(pkg, app);
  for (const [path, text] of recipe.files) {
    const file = resolve(app, path);
    assert.ok(file.startsWith(app + sep), `${path} leaves the app's directory`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  for (const command of recipe.commands) await runCommand(command, app);
  return app;
}


/** The signed-in web app every redirect lands on (any path without a file extension). */
const APP_PAGE = '<!doctype html><meta charset="utf-8"><title>app</title><p id="app">the web app</p>\n';

/**
 * Serves `root` on 127.0.0.1 with `headers` on every answer; `dir/` is `dir/index.html`; an unknown path without
 * an extension is the web app. Every request is recorded as `{path, status}`.
 */
async function serveStatic(root, headers) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/favicon.ico') {
      res.writeHead(204, headers).end(); // the browser's own request, not the recipe's
      return;
    }
    let file = resolve(join(root, path.endsWith('/') ? `${path}index.html` : path));
    let body = null;
    if (file.startsWith(root + sep)) body = await readFile(file).catch(() => null);
    let status = 200;
    if (body === null && !extname(path)) {
      body = Buffer.from(APP_PAGE);
      file = 'app.html';
    } else if (body === null) {
      status = 404;
    }
    requests.push({ path, status });
    res.writeHead(status, {
      ...headers,
      'Content-Type': status === 200 ? TYPES[extname(file)] ?? 'application/octet-stream' : 'text/plain',
      'Cache-Control': 'no-store',
    });
    res.end(status === 200 ? body : 'not found');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
  };
}

/** Hands the page's requests to regional Cognito over to the stand-in (same method, headers and body). */
async function routeCognito(page, cognito) {
  await page.route(COGNITO, async (route) => {
    const request = route.request();
    const { host: _host, ...headers } = request.headers();
    const answer = await fetch(cognito.endpoint, {
      method: request.method(),
      headers,
      body: ['GET', 'HEAD'].includes(request.method()) ? undefined : request.postDataBuffer(),
    });
    await route.fulfill({
      status: answer.status,
      headers: Object.fromEntries(answer.headers),
      body: Buffer.from(await answer.arrayBuffer()),
    });
  });
}

/** A fresh tab that records console errors and warnings, uncaught errors and failed requests. */
async function watchedPage(browser, cognito) {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (m) => {
    const favicon = m.location().url?.endsWith('/favicon.ico'); // a dev server's 404 for the browser's own request
    if (['error', 'warning'].includes(m.type()) && !favicon) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  await routeCognito(page, cognito);
  return { page, problems };
}

/** The `clientId` a recipe's code configures (the stand-in and the token must agree with it). */
function clientIdOf(recipe) {
  const ids = [...recipe.files.values()].flatMap((t) => [...t.matchAll(/clientId: '([^']+)'/g)].map((m) => m[1]));
  assert.equal(ids.length, 1, `recipe ${recipe.name} configures exactly one clientId`);
  return ids[0];
}

// ---------------------------------------------------------------------------------------------------------------

const readme = existsSync(join(PKG, 'README.md')) ? await readFile(join(PKG, 'README.md'), 'utf8') : null;
const recipes = readme ? parseRecipes(readme) : new Map();
const RECIPES = ['script', 'esbuild', 'vite'];

describe('npm package', () => {
  let browser;

  before(async () => {
    assert.ok(readme, `${PKG}/README.md is missing: run \`cargo xtask build-web\` first`);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  test('the README has a tested recipe for each way in, and the headers to serve them with', () => {
    assert.deepEqual([...recipes.keys()].sort(), [...RECIPES, 'headers'].sort());
    const headers = recipes.get('headers').headers;
    assert.equal(headers['Referrer-Policy'], 'no-referrer');
    assert.match(headers['Content-Security-Policy'], /script-src 'self' 'wasm-unsafe-eval'/);
    for (const name of RECIPES) {
      const recipe = recipes.get(name);
      assert.ok(recipe.attrs.serve && recipe.attrs.landing, `recipe ${name} names serve= and landing=`);
      assert.ok(recipe.files.size > 0, `recipe ${name} has files`);
    }
  });

  test('package.json: exports reach the glue, the types and the wasm; license and repository are the workspace\'s', async () => {
    const pkg = JSON.parse(await readFile(join(PKG, 'package.json'), 'utf8'));
    const manifest = await readFile(join(ROOT, 'Cargo.toml'), 'utf8');
    const workspace = manifest.split('[workspace.package]')[1].split('\n[')[0];
    const field = (key) => workspace.match(new RegExp(`^${key} = "([^"]*)"$`, 'm'))[1];

    assert.equal(pkg.name, 'handoff-web');
    assert.equal(pkg.version, field('version'));
    assert.equal(pkg.license, field('license'));
    assert.equal(pkg.license, 'Apache-2.0');
    assert.deepEqual(pkg.repository, { type: 'git', url: field('repository'), directory: 'web-client' });
    assert.equal(pkg.type, 'module');
    assert.deepEqual(pkg.exports['.'], { types: './handoff_web.d.ts', default: './handoff_web.js' });
    assert.equal(pkg.exports['./handoff_web_bg.wasm'], './handoff_web_bg.wasm');
    assert.equal(pkg.exports['./snippets/*'], './snippets/*');
    assert.equal(pkg.exports['./package.json'], './package.json');
    assert.equal(pkg.types, 'handoff_web.d.ts');
    // The import-time snippet scrubs the token: a bundler must never drop it as side-effect free.
    assert.ok(pkg.sideEffects.includes('./snippets/*'));

    const app = await mkdtemp(join(tmpdir(), 'handoff-npm-app-'));
    try {
      const shipped = await install(PKG, app);
      for (const file of ['LICENSE', 'README.md', 'handoff_web.js', 'handoff_web.d.ts', 'handoff_web_bg.wasm', 'package.json']) {
        assert.ok(shipped.includes(file), `npm pack ships ${file}: ${shipped.join(', ')}`);
      }
      assert.ok(shipped.some((f) => /^snippets\/[^/]+\/inline0\.js$/.test(f)), 'npm pack ships the snippet');
      // Every export target and the snippet the glue imports are in the packed package.
      const glue = await readFile(join(app, 'node_modules', 'handoff-web', 'handoff_web.js'), 'utf8');
      const imported = [...glue.matchAll(/^import .* from '\.\/(snippets\/[^']+)';$/gm)].map((m) => m[1]);
      assert.ok(imported.length > 0, 'the glue imports its snippet');
      for (const target of [pkg.main, pkg.types, ...imported, ...Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)))]) {
        if (target.includes('*')) continue;
        assert.ok(shipped.includes(target.replace(/^\.\//, '')), `${target} is in the package`);
      }
      assert.equal(await readFile(join(app, 'node_modules', 'handoff-web', 'LICENSE'), 'utf8'), await readFile(join(ROOT, 'LICENSE'), 'utf8'));
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  });

  test('the TypeScript declarations: completeHandoff(HandoffOptions): Promise<HandoffResult>, HandoffConfig = the Rust PageConfig', async () => {
    const dts = await readFile(join(PKG, 'handoff_web.d.ts'), 'utf8');
    assert.match(dts, /^export function completeHandoff\(options: HandoffOptions\): Promise<HandoffResult>;$/m);
    assert.match(dts, /^export interface HandoffOptions extends HandoffConfig \{$/m);
    assert.match(dts, /^export type HandoffResult =$/m);
    assert.match(dts, /^export type HandoffError =/m);

    const tsMembers = interfaceMembers(dts, 'HandoffConfig');
    const rustFields = configFields(await readFile(join(ROOT, 'web-client', 'src', 'config.rs'), 'utf8'));
    assert.deepEqual(
      [...tsMembers.keys()].sort(),
      [...rustFields.keys()].sort(),
      'HandoffConfig (web-client/src/api.rs) and PageConfig (web-client/src/config.rs) name the same members',
    );
    // A member the Rust side requires must be required in TypeScript too (the other way round is only stricter).
    for (const [name, field] of rustFields) {
      if (field.required) assert.ok(!tsMembers.get(name).optional, `${name} is required by PageConfig but optional in HandoffConfig`);
    }
  });

  for (const name of RECIPES) {
    describe(`recipe: ${name}`, () => {
      let recipe;
      let cognito;
      let site;
      let clientId;

      before(async () => {
        recipe = recipes.get(name);
        assert.ok(recipe, `the README has no \`<!-- recipe: ${name} ... -->\``);
        clientId = clientIdOf(recipe);
        const app = await buildRecipe(recipe);
        cognito = await startCognito({ clientId, users: { alice: 'u-alice' } });
        site = await serveStatic(resolve(app, recipe.attrs.serve), recipes.get('headers').headers);
      });

      after(async () => {
        await site?.close();
        await cognito?.close();
      });

      test('without a token: loads the wasm and resolves {ok: false, error: "invalid"}, nothing sent', async () => {
        const { page, problems } = await watchedPage(browser, cognito);
        cognito.reset();
        site.requests.length = 0;
        await page.goto(`${site.url}${recipe.attrs.landing}`);
        await page.locator('body[data-handoff-error]').waitFor({ timeout: 15_000 });
        assert.equal(await page.locator('body').getAttribute('data-handoff-error'), 'invalid');
        assert.deepEqual(site.requests.filter((r) => r.status !== 200), [], 'every file the page asked for was there');
        assert.ok(site.requests.some((r) => r.path.endsWith('.wasm')), `the wasm was fetched: ${JSON.stringify(site.requests)}`);
        assert.deepEqual(problems, []);
        assert.equal(cognito.state.requests.length, 0);
        await page.close();
      });

      test('with a token: signs in through Cognito, stores the Amplify keys, lands on the redirect', async () => {
        const { page, problems } = await watchedPage(browser, cognito);
        cognito.reset();
        site.requests.length = 0;
        const token = handoffToken({ aud: clientId, redirect: '/orders/42' });
        await page.goto(`${site.url}${recipe.attrs.landing}#handoff=${token}`);
        await page.waitForURL(`${site.url}/orders/42`, { timeout: 15_000 });
        assert.equal(await page.locator('#app').textContent(), 'the web app');
        const prefix = `CognitoIdentityServiceProvider.${clientId}`;
        assert.equal(await page.evaluate((k) => localStorage.getItem(k), `${prefix}.LastAuthUser`), 'u-alice');
        assert.ok(await page.evaluate((k) => localStorage.getItem(k), `${prefix}.u-alice.idToken`));
        assert.deepEqual(
          cognito.posts().map((r) => r.target.split('.').pop()),
          ['InitiateAuth', 'RespondToAuthChallenge'],
        );
        assert.equal(cognito.posts()[1].body.ChallengeResponses.ANSWER, token);
        assert.deepEqual(site.requests.filter((r) => r.status !== 200), []);
        assert.deepEqual(problems, []);
        await page.close();
      });

      if (name === 'vite') {
        test('the same app under the Vite dev server (`npx vite`): loads the wasm, resolves "invalid"', async () => {
          const { createServer: createViteServer } = await import('vite');
          const server = await createViteServer({
            root: join(APPS, name),
            logLevel: 'warn',
            server: { host: '127.0.0.1', port: 0, strictPort: true },
          });
          try {
            await server.listen();
            const base = server.resolvedUrls.local[0].replace(/\/$/, '');
            const { page, problems } = await watchedPage(browser, cognito);
            const wasm = [];
            page.on('response', (r) => r.url().endsWith('.wasm') && wasm.push([r.status(), r.headers()['content-type']]));
            await page.goto(`${base}${recipe.attrs.landing}`);
            await page.locator('body[data-handoff-error]').waitFor({ timeout: 15_000 });
            assert.equal(await page.locator('body').getAttribute('data-handoff-error'), 'invalid');
            assert.deepEqual(wasm, [[200, 'application/wasm']]);
            assert.deepEqual(problems, []);
            await page.close();
          } finally {
            await server.close();
          }
        });
      }
    });
  }

  describe('wasm-pack build output (target/wasm-pack/handoff-web) in the plain-script recipe', () => {
    const built = existsSync(join(WASM_PACK_PKG, 'handoff_web.js'));
    let cognito;
    let site;
    let clientId;
    let recipe;

    before(async () => {
      if (!built) return;
      recipe = recipes.get('script');
      clientId = clientIdOf(recipe);
      const app = await buildRecipe(recipe, { pkg: WASM_PACK_PKG, name: 'wasm-pack' });
      cognito = await startCognito({ clientId, users: { alice: 'u-alice' } });
      site = await serveStatic(resolve(app, recipe.attrs.serve), recipes.get('headers').headers);
    });

    after(async () => {
      await site?.close();
      await cognito?.close();
    });

    test('signs in', { skip: built ? false : `${WASM_PACK_PKG} not built (the test command's build-wasm-pack step)` }, async () => {
      const files = await readdir(WASM_PACK_PKG);
      assert.ok(files.includes('handoff_web_bg.wasm') && files.includes('handoff_web.d.ts'), files.join(', '));
      const dts = await readFile(join(WASM_PACK_PKG, 'handoff_web.d.ts'), 'utf8');
      assert.match(dts, /export function completeHandoff\(/);
      assert.doesNotMatch(dts, /IntoUnderlying/i, 'the api flavour: no Leptos exports');
      const { page, problems } = await watchedPage(browser, cognito);
      const token = handoffToken({ aud: clientId, redirect: '/orders/42' });
      await page.goto(`${site.url}${recipe.attrs.landing}#handoff=${token}`);
      await page.waitForURL(`${site.url}/orders/42`, { timeout: 15_000 });
      assert.equal(cognito.posts().length, 2);
      assert.deepEqual(problems, []);
      await page.close();
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// TypeScript and Rust, read as text

/** `Map(name -> {optional})` of an exported interface's own members (comments skipped). */
function interfaceMembers(dts, name) {
  const body = dts.match(new RegExp(`^export interface ${name} \\{\\n([\\s\\S]*?)^\\}`, 'm'));
  assert.ok(body, `the d.ts declares interface ${name}`);
  const text = body[1].replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const members = new Map();
  for (const m of text.matchAll(/^\s*(\w+)(\??):/gm)) members.set(m[1], { optional: m[2] === '?' });
  assert.ok(members.size > 0, `interface ${name} has members`);
  return members;
}

/**
 * `Map(jsonName -> {required})` of `pub struct PageConfig`'s fields as serde reads them: `rename_all = "camelCase"`,
 * `rename = "..."`, `skip`; a field is required unless it is an `Option` or has `#[serde(default)]` (on the field or
 * the struct).
 */
function configFields(source) {
  // `PageConfig::read` reads every member by its JSON name: `config.req_str("clientId")` for a required one,
  // `config.opt_str(...)`, `config.str_list(...)`, `config.get(...)` or `nested(...)` for the others.
  const body = source.match(/^    fn read\(config: &Object\) -> Result<PageConfig, Mismatch> \{\n([\s\S]*?)^    \}$/m);
  assert.ok(body, 'web-client/src/config.rs declares `fn read(config: &Object) -> Result<PageConfig, Mismatch>`');
  const fields = new Map();
  for (const [, how, name] of body[1].matchAll(/\b(config\.\w+|nested)\("(\w+)"\)/g)) {
    fields.set(name, { required: how === 'config.req_str' });
  }
  assert.ok(fields.size > 0, 'PageConfig::read reads members');
  return fields;
}
