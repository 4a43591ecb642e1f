// `cargo xtask bench edge --cpu-profile`: where the Rust edge worker spends its CPU on issue + redeem (or, with
// `--verify EdDSA|RS256`, on the verify loop of `/bench/verify`: a build with the `bench` feature). Builds the worker
// with its function names kept (its own target directory, so the release build is untouched), runs it under
// `wrangler dev`, and samples it with the V8 CPU profiler through wrangler's inspector port while N pairs of
// issue + redeem run. Prints self time by group (our crates, workers-rs, serde, the allocator, JS glue, the
// runtime's own calls) and the functions that cost most. Never part of the tests.
//   node --experimental-websocket bench/edge/profile.mjs [--pairs N] [--concurrency C] [--verify EdDSA|RS256]
// (`cargo xtask bench edge --cpu-profile [--requests N] [--concurrency C]` runs it.)

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, FIXTURE, SECRETS, buildEnv, post, startCognito, startWorker, testVars } from '../../tests/edge/helper.mjs';
import { positiveInt as arg } from './args.mjs';

const PAIRS = arg('pairs', 600);
/** `--verify ALG`: profile N x 1000 verifies of ALG (one /bench/verify request of 1000 per pair asked) instead. */
const VERIFY = (() => {
  const i = process.argv.indexOf('--verify');
  if (i < 0) return null;
  const alg = process.argv[i + 1];
  if (alg !== 'EdDSA' && alg !== 'RS256') throw new Error(`--verify takes EdDSA or RS256, not ${alg}`);
  return alg;
})();
const VERIFIES_PER_REQUEST = 1000;
const CONCURRENCY = arg('concurrency', 16);
const USERS = 32;
const EDGE = join(ROOT, 'edge');
const OUT = 'build-profile';

/** The worker built with names: release profile without `strip`, and wasm-opt told to keep the name section. */
function buildNamed() {
  const env = buildEnv();
  const wrapper = join(mkdtempSync(join(tmpdir(), 'handoff-wasm-opt-')), 'wasm-opt');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(env.WASM_OPT_BIN)} "$@" -g\n`);
  chmodSync(wrapper, 0o755);
  const features = VERIFY ? ['--', '--features', 'bench'] : [];
  const result = spawnSync(join(env.PATH.split(':')[0], 'worker-build'), ['--release', '--out-dir', OUT, ...features], {
    cwd: EDGE,
    env: { ...env, WASM_OPT_BIN: wrapper, CARGO_PROFILE_RELEASE_STRIP: 'false', CARGO_TARGET_DIR: join(ROOT, 'target', 'edge-profile') },
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`worker-build (named) failed (${result.status})`);
  return join(EDGE, OUT, 'worker', 'shim.mjs');
}

/** A DevTools protocol session with the worker's isolate, through wrangler's inspector proxy. */
async function inspect(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspectable worker on port ${port}: ${JSON.stringify(targets)}`);
  // wrangler's inspector proxy wants an Origin on localhost (Node's WebSocket takes headers as an extension).
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: 'http://localhost' } });
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(`${msg.error.message}`));
      else resolve(msg.result);
    }
  };
  return {
    send: (method, params = {}) => new Promise((resolve, reject) => {
      id += 1;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    }),
    close: () => ws.close(),
  };
}

/** `count` jobs, `concurrency` at a time. */
async function load(count, concurrency, job) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    for (let i = next++; i < count; i = next++) await job(i);
  }));
}

/** The group a profile node's function belongs to. */
function group(frame) {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '' && name.startsWith('(')) {
    // (garbage collector), (program), (idle); `(anonymous)` with no script is native code without a JS name.
    return name === '(anonymous)' ? 'native code without a name (V8 builtins, workerd internals)' : name;
  }
  if (!/wasm/.test(frame.url) && !/^\$?(_ZN|_R)/.test(name) && !name.includes('::')) {
    return 'JS: the wasm-bindgen glue and the runtime\'s APIs (storage, KV, Response, console)';
  }
  const rules = [
    ['serde', /serde/], ['base64', /base64/], ['sha2/crypto', /sha2|ed25519|curve25519|jsonwebtoken|rsa|num_bigint/],
    ['allocator', /dlmalloc|__rust_alloc|__rust_dealloc|__rust_realloc|alloc::raw_vec|__rdl_/], ['core::fmt', /core::fmt|fmt::/],
    ['handoff_core', /handoff_core/], ['handoff_edge', /handoff_edge/], ['workers-rs', /\bworker::|worker\[/],
    ['wasm-bindgen / js-sys / web-sys', /wasm_bindgen|js_sys|web_sys|__wbindgen|__wbg/],
    ['futures', /futures|core::task|core::future/],
  ];
  return (rules.find(([, re]) => re.test(name)) || ['other wasm'])[0];
}

async function main() {
  const shim = buildNamed();
  const cognito = await startCognito();
  const vars = testVars(cognito, { ...(VERIFY ? { BENCH: 'true' } : {}), TOKEN_TTL_SECS: '300', RATE_ISSUES_PER_MINUTE: '10000', RATE_MAX_LIVE_TOKENS: '10000' });
  const worker = await startWorker({ vars, shim });
  try {
    const users = Array.from({ length: USERS }, () => cognito.user('profile'));
    const access = await Promise.all(users.map((u) => cognito.accessToken(u)));
    const pairs = async (count, offset) => {
      const tokens = [];
      await load(count, CONCURRENCY, async (i) => {
        const res = await post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${access[i % USERS]}` });
        if (res.status !== 201) throw new Error(`issue: ${res.status} ${res.text}`);
        tokens[i] = res.json.token;
      });
      await load(count, CONCURRENCY, async (i) => {
        const user = users[i % USERS];
        const body = { token: tokens[i], sub: user.sub, username: user.username, client_id: FIXTURE.audiences[0], nonce: `p-${offset + i}` };
        const res = await post(`${worker.url}/v1/redeem`, body, { auth: `Bearer ${SECRETS.current}` });
        if (res.json?.ok !== true) throw new Error(`redeem: ${res.status} ${res.text}`);
      });
    };
    const verifies = async (count) => {
      for (let i = 0; i < count; i += 1) {
        const res = await post(`${worker.url}/bench/verify`, { alg: VERIFY, n: VERIFIES_PER_REQUEST });
        if (res.json?.ok !== VERIFIES_PER_REQUEST) throw new Error(`bench/verify: ${res.status} ${res.text}`);
      }
    };
    const work = (count, offset) => (VERIFY ? verifies(count) : pairs(count, offset));
    await work(VERIFY ? 5 : USERS * 2, 0); // warm: key imports, JWKS, every user's Durable Object
    const session = await inspect(worker.inspectorPort);
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: 100 });
    await session.send('Profiler.start');
    const t = performance.now();
    await work(PAIRS, 1_000_000);
    const wall = performance.now() - t;
    const { profile } = await session.send('Profiler.stop');
    // The JS functions' code, to name the anonymous ones by what they do.
    await session.send('Debugger.enable');
    const sources = new Map();
    for (const id of new Set(profile.nodes.map((n) => n.callFrame.scriptId).filter((id) => id && id !== '0'))) {
      sources.set(id, (await session.send('Debugger.getScriptSource', { scriptId: id }).catch(() => ({}))).scriptSource);
    }
    session.close();
    report(profile, wall, sources);
  } finally {
    await worker.stop();
    await cognito.close();
  }
}

/** The start of the code at a call frame (one line of it), to tell anonymous JS functions apart. */
function snippet(sources, frame) {
  const lines = sources.get(frame.scriptId)?.split('\n');
  if (!lines?.[frame.lineNumber]) return '';
  const text = [lines[frame.lineNumber].slice(frame.columnNumber), ...lines.slice(frame.lineNumber + 1, frame.lineNumber + 4)].join(' ');
  return text.replace(/\s+/g, ' ').slice(0, 110);
}

function report(profile, wall, sources) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const us = deltas[i + 1] ?? 0;
    self.set(id, (self.get(id) || 0) + us);
  });
  const groups = new Map();
  const fns = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    const g = group(node.callFrame);
    if (g === '(idle)') continue;
    total += us;
    groups.set(g, (groups.get(g) || 0) + us);
    const frame = node.callFrame;
    const where = frame.url && !/wasm/.test(frame.url) ? ` ${frame.url.split('/').pop()}:${frame.lineNumber + 1}: ${snippet(sources, frame)}` : '';
    const name = `${node.callFrame.functionName || '(anonymous)'}`.replace(/::h[0-9a-f]{16}$/, '') + where;
    fns.set(name, (fns.get(name) || 0) + us);
  }
  const ms = (us) => (us / 1000).toFixed(1).padStart(8);
  const share = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const what = VERIFY
    ? `${PAIRS * VERIFIES_PER_REQUEST} ${VERIFY} verifies (/bench/verify, ${VERIFIES_PER_REQUEST} a request)`
    : `${PAIRS} issue + redeem pairs, ${CONCURRENCY} in flight`;
  const each = VERIFY
    ? `${((total / PAIRS / VERIFIES_PER_REQUEST)).toFixed(2)} us a verify`
    : `${(total / PAIRS / 1000).toFixed(2)} ms a pair`;
  console.log(`\nedge CPU profile: ${what}, ${(wall / 1000).toFixed(1)} s wall; `
    + `busy ${(total / 1000).toFixed(0)} ms in the worker's isolate (${each}), sampled every 100 us`);
  console.log('\nself time by group');
  for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${ms(us)} ms ${share(us)}  ${g}`);
  console.log('\nfunctions with the most self time');
  for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${ms(us)} ms ${share(us)}  ${f.slice(0, 140)}`);
}

await main();
