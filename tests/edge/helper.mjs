// Test harness for the edge worker in real workerd: builds the worker once (if missing or stale), serves a
// test Cognito JWK Set on loopback, signs Cognito-shaped access tokens with the TEST-ONLY RSA key, and starts
// and stops `wrangler dev` processes with per-test configuration. Everything binds 127.0.0.1.

import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createPrivateKey, createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EDGE = join(ROOT, 'edge');
const SHIM = join(EDGE, 'build', 'worker', 'shim.mjs');
const BIN = join(ROOT, 'node_modules', '.bin');
const KEYS = join(ROOT, 'tests', 'fixtures', 'keys');

/** The TEST-ONLY handoff keys and the golden corpus's issuer and audiences. */
export const FIXTURE = {
  privateJwks: readFileSync(join(KEYS, 'test-only.private.jwks.json'), 'utf8'),
  edPem: readFileSync(join(KEYS, 'test-only-ed25519.pem'), 'utf8'),
  rsaPem: readFileSync(join(KEYS, 'test-only-rsa.pem'), 'utf8'),
  edKid: 'test-ed25519-2026',
  rsaKid: 'test-rsa-2026',
  issuer: 'https://edge.handoff.test',
  audiences: ['web-client-test', 'web-client-other'],
  mobileClient: 'mobile-client-test',
};

export const SECRETS = { current: 'test-redeem-secret-current-0001', previous: 'test-redeem-secret-previous-0002' };

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * worker-build's environment: local tools only (it would download them otherwise). The worker builds on stable
 * with the workspace's release profile. (Measured: the landing page's size-first recipe, nightly `-Zbuild-std` with
 * immediate-abort panics, makes the worker 8 % smaller gzip but costs it about 10 % more CPU a request under
 * `cargo xtask bench edge`, empty requests included: std rebuilt at `opt-level = "s"`. Not worth it here.)
 */
export function buildEnv() {
  const cargoBin = join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin');
  return {
    ...process.env,
    PATH: `${cargoBin}:${BIN}:${process.env.PATH}`,
    WASM_BINDGEN_BIN: process.env.WASM_BINDGEN_BIN || join(cargoBin, 'wasm-bindgen'),
    WASM_OPT_BIN: join(BIN, 'wasm-opt'),
    ESBUILD_BIN: join(BIN, 'esbuild'),
  };
}

/**
 * Builds the worker (release) if its output is missing or older than its sources; returns its shim's path.
 * `features` (e.g. `['bench']`) builds a variant into its own `edge/build-<features>/`, so the production
 * build in `edge/build/` never carries the benchmark route.
 */
export function ensureBuilt({ features = [] } = {}) {
  const outDir = features.length ? `build-${features.join('-')}` : 'build';
  const shim = join(EDGE, outDir, 'worker', 'shim.mjs');
  // This file too: it holds the build recipe (`buildEnv`). The same list as xtask/src/package.rs EDGE_SOURCES.
  const sources = [join(EDGE, 'src'), join(EDGE, 'Cargo.toml'), join(ROOT, 'core', 'src'), join(ROOT, 'Cargo.lock'), fileURLToPath(import.meta.url)];
  if (existsSync(shim) && statSync(shim).mtimeMs >= Math.max(...sources.map(newestMtime))) return shim;
  const cargoBin = join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin');
  // After `--`, worker-build passes the arguments on to `cargo build`.
  const args = ['--release', '--out-dir', outDir, ...(features.length ? ['--', '--features', features.join(',')] : [])];
  const result = spawnSync(join(cargoBin, 'worker-build'), args, { cwd: EDGE, env: buildEnv(), stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`worker-build ${args.join(' ')} failed (${result.status})`);
  return shim;
}

/**
 * The release worker's code, gzip (level 9), in KB: issue 11's target. `tests/edge/build.mjs` (the test command's
 * build-edge step) fails above it, so that the worker never grows past it by accident.
 */
export const WORKER_BUDGET_KB = 150;

/** The release worker's code (the wasm and its JS glue, as worker-build writes them): each file's gzip size. */
export function workerSizes(dir = join(EDGE, 'build')) {
  return ['index_bg.wasm', 'index.js'].map((file) => ({ file, gzip: gzipSync(readFileSync(join(dir, file)), { level: 9 }).length }));
}

/** `null` when `sizes` fit in `budgetKb`, else the message that says by how much, naming the files. */
export function overWorkerBudget(sizes, budgetKb) {
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
  if (total <= budgetKb * 1024) return null;
  return `size budget: the edge worker's code is ${kb(total)} gzip (${sizes.map((s) => `${s.file} ${kb(s.gzip)}`).join(', ')}), `
    + `over its budget of ${budgetKb} KB (WORKER_BUDGET_KB in tests/edge/helper.mjs). Make it smaller, or raise the budget in the same commit and say why.`;
}

/** A free loopback port (bound and released; good enough for tests that start one server at a time). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A fake Cognito user pool on loopback: its JWK Set (the TEST-ONLY RSA key) and a signer of access tokens.
 * `fetches` counts JWK Set downloads.
 */
export async function startCognito() {
  const key = createPrivateKey(FIXTURE.rsaPem);
  const jwk = { ...createPublicKey(key).export({ format: 'jwk' }), kid: 'test-pool-rsa', alg: 'RS256', use: 'sig' };
  // Fault knobs for the JWK Set endpoint: `delayMs` before answering, `failNext` answers 500 that many times,
  // `hang` never answers, `garbage` answers 200 with a body that is not a JWK Set.
  const state = { fetches: 0, delayMs: 0, failNext: 0, hang: false, garbage: false, getUsers: 0, getUserFails: false, revoked: new Set() };
  const server = createServer(async (req, res) => {
    if (req.url === '/pool/.well-known/jwks.json') {
      state.fetches += 1;
      if (state.hang) return; // the socket stays open, unanswered
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      if (state.failNext > 0) {
        state.failNext -= 1;
        res.writeHead(500).end('upstream error');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(state.garbage ? '<html>not a key set</html>' : JSON.stringify({ keys: [jwk] }));
    } else if (req.method === 'POST' && req.url === '/' && req.headers['x-amz-target'] === 'AWSCognitoIdentityProviderService.GetUser') {
      // GetUser as real Cognito answers it: a revoked access token is refused (ministack does not do this).
      let raw = '';
      for await (const chunk of req) raw += chunk;
      state.getUsers += 1;
      const token = JSON.parse(raw || '{}').AccessToken ?? '';
      if (state.getUserFails) {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' }).end('{"__type":"InternalErrorException","message":"x"}');
      } else if (state.revoked.has(token)) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': 'NotAuthorizedException:' });
        res.end(JSON.stringify({ __type: 'NotAuthorizedException', message: 'Access Token has been revoked' }));
      } else {
        const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}');
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ Username: payload.username ?? 'unknown', UserAttributes: [{ Name: 'sub', Value: payload.sub ?? '' }] }));
      }
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const issuer = `${base}/pool`;
  return {
    issuer,
    endpoint: `${base}/`,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    state,
    /** A new user's identity. */
    user(name = 'user') {
      return { sub: randomUUID(), username: `${name}-${randomBytes(4).toString('hex')}` };
    },
    /** A Cognito-shaped access token for `user`; `claims` override or (undefined) remove members. */
    async accessToken(user, claims = {}, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        sub: user.sub,
        iss: issuer,
        version: 2,
        client_id: FIXTURE.mobileClient,
        origin_jti: randomUUID(),
        event_id: randomUUID(),
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        auth_time: now,
        iat: now,
        exp: now + 3600,
        jti: randomUUID(),
        username: user.username,
        ...claims,
      };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'test-pool-rsa', ...header }).sign(key);
    },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

/** The worker configuration for tests: the golden corpus's keys, issuer and audiences. */
export function testVars(cognito, overrides = {}) {
  return {
    ISSUER: FIXTURE.issuer,
    WEB_ORIGIN: 'https://app.handoff.test',
    LANDING_PATH: '/handoff',
    AUDIENCES: FIXTURE.audiences.join(','),
    MOBILE_CLIENT_IDS: FIXTURE.mobileClient,
    COGNITO_ISSUER: cognito.issuer,
    COGNITO_JWKS_URL: cognito.jwksUrl,
    COGNITO_ENDPOINT: cognito.endpoint,
    REDIRECT_ALLOWLIST: '/orders,/account',
    TOKEN_TTL_SECS: '60',
    RATE_ISSUES_PER_MINUTE: '5',
    RATE_MAX_LIVE_TOKENS: '3',
    // Context binding has its own tests (binding.test.mjs); the others redeem as a binding-off deployment.
    CONTEXT_BINDING: 'off',
    SIGNING_JWKS: JSON.stringify(JSON.parse(FIXTURE.privateJwks)),
    REDEEM_SECRETS: `${SECRETS.current},${SECRETS.previous}`,
    ...overrides,
  };
}

/** A fresh temp directory. */
export function tempDir(prefix = 'handoff-edge-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts `wrangler dev` on a free loopback port with `vars`, persisting to `persistTo` (fresh temp dir by
 * default, removed on stop). The worker config is edge/wrangler.toml copied into a temp dir with an absolute `main`, so a
 * developer's edge/.dev.vars never leaks into tests. Returns { url, stop(), output(), persistTo }.
 */
export async function startWorker(options = {}) {
  // `freePort` hands out a port that another process may take before workerd binds it: start again on new ports.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startWorkerOnce(options);
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/.test(e.message)) throw e;
    }
  }
}

async function startWorkerOnce({ vars, persistTo, configPath, cwd, shim = SHIM } = {}) {
  if (shim === SHIM) ensureBuilt();
  const ownPersist = !persistTo;
  if (ownPersist) persistTo = tempDir('handoff-persist-');
  const work = tempDir('handoff-wrangler-');
  let config = configPath;
  if (!config) {
    const toml = readFileSync(join(EDGE, 'wrangler.toml'), 'utf8').replace(
      /^main = .*$/m,
      `main = ${JSON.stringify(shim)}`,
    );
    config = join(work, 'wrangler.toml');
    writeFileSync(config, toml);
  }
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const args = [
    'dev', '--config', config, '--local', '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspectorPort), '--persist-to', persistTo,
    '--show-interactive-dev-session=false', '--log-level', 'log',
  ];
  for (const [k, v] of Object.entries(vars || {})) args.push('--var', `${k}:${v}`);
  const child = spawn(join(BIN, 'wrangler'), args, {
    cwd: cwd || work,
    env: {
      ...process.env,
      CI: 'true',
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_SEND_ERROR_REPORTS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      XDG_CONFIG_HOME: join(work, 'config'),
      WRANGLER_LOG_PATH: join(work, 'logs'),
      NO_COLOR: '1',
      // No banner, so no update check against the package registry.
      WRANGLER_HIDE_BANNER: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((r) => child.on('exit', r));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  // A start that fails leaves nothing behind: no wrangler, no workerd, no directories.
  const fail = async (message) => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    if (child.exitCode === null) await exited;
    rmSync(work, { recursive: true, force: true });
    if (ownPersist) rmSync(persistTo, { recursive: true, force: true });
    throw new Error(message);
  };
  for (;;) {
    if (child.exitCode !== null) await fail(`wrangler dev exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) await fail(`wrangler dev did not answer within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    persistTo,
    /** The DevTools protocol's port for the worker (`--inspector-port`): bench/edge/profile.mjs profiles through it. */
    inspectorPort,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        // Our own child's process group: wrangler and the workerd it started.
        try { process.kill(-child.pid, 'SIGINT'); } catch { /* already gone */ }
        const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(work, { recursive: true, force: true });
      if (ownPersist) rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

/** POSTs JSON (or a raw string/Buffer body) and returns { status, headers, text, json }. */
export async function post(url, body, { auth, contentType = 'application/json', headers = {} } = {}) {
  const h = { ...headers };
  if (contentType) h['content-type'] = contentType;
  if (auth !== undefined && auth !== null) h.authorization = auth;
  const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const res = await fetch(url, { method: 'POST', headers: h, body: payload });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * The two ways `wrangler dev`'s proxy (wrangler 4.86) loses a POST on its way to the worker's runtime: its 503 with
 * this text, or the connection closed without an answer. Both come from the proxy, not from the worker: the jose
 * anchor worker loses POSTs the same way (measured: ~10 % of 3,000 redeems at 500 in flight, on both workers), and a
 * production edge has no such proxy. The upstream cause is kj's 5 s idle timeouts racing on the proxy's pooled
 * connections; only GET and HEAD are retried by the proxy itself.
 */
export const DEV_PROXY_LOST = 'Your worker restarted mid-request.';

/** How many POSTs [`postIdempotent`] sent again because the dev proxy lost them (the tests report it). */
export const devProxy = { resent: 0 };

function lostByDevProxy(res, error) {
  if (error) return ['UND_ERR_SOCKET', 'ECONNRESET'].includes(error.cause?.code);
  return res.status === 503 && res.text.startsWith(DEV_PROXY_LOST);
}

/**
 * [`post`] for a request that is safe to send twice (a redeem: the same nonce answers the same), sent again, up to
 * `attempts` times, only when the dev proxy lost it ([`DEV_PROXY_LOST`]). Every answer of the worker itself, errors
 * included, is returned as it came, so no outcome of the worker is ever hidden.
 */
export async function postIdempotent(url, body, opts = {}, attempts = 4) {
  for (let attempt = 1; ; attempt += 1) {
    let res;
    let error;
    try { res = await post(url, body, opts); } catch (e) { error = e; }
    if (attempt >= attempts || !lostByDevProxy(res, error)) {
      if (error) throw error;
      return res;
    }
    devProxy.resent += 1;
    await new Promise((r) => setTimeout(r, 20 * attempt));
  }
}

/** Signs a handoff token with the TEST-ONLY keys (EdDSA by default), for attack cases minted at test time. */
export async function signHandoff(claims, { alg = 'EdDSA', kid, typ = 'handoff+jwt', pem } = {}) {
  const key = createPrivateKey(pem || (alg === 'EdDSA' ? FIXTURE.edPem : FIXTURE.rsaPem));
  const header = { alg, typ, kid: kid || (alg === 'EdDSA' ? FIXTURE.edKid : FIXTURE.rsaKid) };
  return new SignJWT(claims).setProtectedHeader(header).sign(key);
}

/** Claims like the worker mints, for `user`, valid now. */
export function handoffClaims(user, overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: FIXTURE.issuer, aud: FIXTURE.audiences[0], sub: user.sub, username: user.username,
    azp: FIXTURE.mobileClient, iat: now, nbf: now, exp: now + 60, jti: randomBytes(16).toString('base64url'),
    ...overrides,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return claims;
}
