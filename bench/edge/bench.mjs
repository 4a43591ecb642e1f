// `cargo xtask bench edge`: the Rust edge worker against the JavaScript + jose anchor (bench/edge/worker.mjs),
// both under local `wrangler dev` on loopback, same keys, same claims checks, same ledger design.
// Bounded runs, rounds alternating A B A B; prints a table with ratios. Never part of the tests.
//   node bench/edge/bench.mjs [--requests N] [--concurrency C] [--rounds R] [--reps K]

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { ROOT, FIXTURE, SECRETS, ensureBuilt, post, startCognito, startWorker, testVars } from '../../tests/edge/helper.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const REQUESTS = arg('requests', 2000);
const CONCURRENCY = arg('concurrency', 16);
const ROUNDS = arg('rounds', 2);
const REPS = arg('reps', 10);
const USERS = 64;

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

/** Runs `count` jobs with `concurrency` in flight; returns per-job latencies (ms) and the wall time (ms). */
async function load(count, concurrency, job) {
  const latencies = new Array(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < count; i = next++) {
      const t = performance.now();
      await job(i);
      latencies[i] = performance.now() - t;
    }
  }));
  return { latencies, wall: performance.now() - started };
}

async function round(worker, users, accessTokens) {
  const tokens = new Array(REQUESTS);
  let failures = 0;
  const issued = await load(REQUESTS, CONCURRENCY, async (i) => {
    const u = i % users.length;
    const res = await post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${accessTokens[u]}` });
    if (res.status !== 201) failures += 1;
    tokens[i] = res.json?.token;
  });
  let ok = 0;
  const redeemed = await load(REQUESTS, CONCURRENCY, async (i) => {
    const user = users[i % users.length];
    const body = { token: tokens[i] || 'x', sub: user.sub, username: user.username, client_id: FIXTURE.audiences[0], nonce: `bench-${i}` };
    const res = await post(`${worker.url}/v1/redeem`, body, { auth: `Bearer ${SECRETS.current}` });
    if (res.json?.ok === true) ok += 1;
  });
  return { issued, redeemed, ok, failures };
}

/**
 * Microseconds per verify inside workerd: the time of a request running n verifies minus one running none
 * (workerd's clock stands still during computation, so the timing is taken outside). Both workers are
 * measured in alternation, and the minimum of each series is used: noise from other processes only adds.
 */
async function verifyCost(workers, alg, n = 1000) {
  const time = async (worker, count) => {
    const t = performance.now();
    const res = await post(`${worker.url}/bench/verify`, { alg, n: count });
    if (res.json?.ok !== count) throw new Error(`bench/verify ${alg} n=${count}: ${res.text}`);
    return performance.now() - t;
  };
  const series = Object.fromEntries(Object.keys(workers).map((name) => [name, { zero: [], full: [] }]));
  for (const w of Object.values(workers)) await time(w, 100); // warm: key import, JIT
  for (let r = 0; r < REPS; r += 1) {
    for (const [name, w] of Object.entries(workers)) {
      series[name].zero.push(await time(w, 0));
      series[name].full.push(await time(w, n));
    }
  }
  return Object.fromEntries(Object.entries(series).map(([name, { zero, full }]) => [
    name, ((Math.min(...full) - Math.min(...zero)) / n) * 1000,
  ]));
}

function bundleSizes() {
  const build = join(ROOT, 'edge', 'build');
  const rustWasm = readFileSync(join(build, 'index_bg.wasm'));
  const rustJs = readFileSync(join(build, 'index.js'));
  const js = execFileSync(join(ROOT, 'node_modules', '.bin', 'esbuild'), [
    join(ROOT, 'bench', 'edge', 'worker.mjs'), '--bundle', '--format=esm', '--platform=neutral', '--minify',
    '--external:cloudflare:workers', '--log-level=error',
  ], { maxBuffer: 1 << 26 });
  return {
    rust: gzipSync(rustWasm, { level: 9 }).length + gzipSync(rustJs, { level: 9 }).length,
    rustRaw: rustWasm.length + rustJs.length,
    js: gzipSync(js, { level: 9 }).length,
    jsRaw: js.length,
  };
}

/**
 * What the revocation check (GetUser, edge/src/revocation.rs) adds to issuing: the Rust worker with the check on
 * and off, every request with a fresh access token (the worst case: the 30 s memory never helps). Here GetUser is
 * a loopback round trip to the stand-in; in production it is one round trip from the Cloudflare location to the
 * pool's AWS region.
 */
async function revocationCost(cognito, vars, count = 300) {
  const users = Array.from({ length: count }, () => cognito.user('rev'));
  const results = {};
  for (const check of ['getuser', 'off']) {
    const worker = await startWorker({ vars: { ...vars, REVOCATION_CHECK: check } });
    try {
      const warm = await cognito.accessToken(cognito.user('warm'));
      await post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${warm}` });
      const tokens = await Promise.all(users.map((u) => cognito.accessToken(u)));
      const before = cognito.state.getUsers;
      const run = await load(count, 8, (i) => post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${tokens[i]}` }));
      results[check] = { p50: pct(run.latencies, 0.5), p99: pct(run.latencies, 0.99), getUsers: cognito.state.getUsers - before };
    } finally {
      await worker.stop();
    }
  }
  return results;
}

async function main() {
  ensureBuilt(); // the production build: its size is the one reported
  const benchShim = ensureBuilt({ features: ['bench'] }); // the same worker plus the /bench/verify route
  const cognito = await startCognito();
  const vars = testVars(cognito, {
    BENCH: 'true', TOKEN_TTL_SECS: '300', RATE_ISSUES_PER_MINUTE: '10000', RATE_MAX_LIVE_TOKENS: '10000',
  });
  const benchDir = join(ROOT, 'bench', 'edge');
  const workers = {
    rust: await startWorker({ vars, shim: benchShim }),
    jose: await startWorker({ vars: { ...vars, REDIRECT_ALLOWLIST: '/orders,/account' }, configPath: join(benchDir, 'wrangler.toml'), cwd: benchDir }),
  };
  try {
    const users = Array.from({ length: USERS }, () => cognito.user('bench'));
    const accessTokens = await Promise.all(users.map((u) => cognito.accessToken(u)));
    const results = { rust: [], jose: [] };
    for (const w of Object.values(workers)) {
      // Warm-up: JWKS fetch, key imports, every user's Durable Object created.
      await load(USERS, 8, (i) => post(`${w.url}/v1/handoffs`, {}, { auth: `Bearer ${accessTokens[i]}` }));
    }
    for (let r = 0; r < ROUNDS; r += 1) {
      for (const name of ['rust', 'jose']) {
        const res = await round(workers[name], users, accessTokens);
        results[name].push(res);
        process.stderr.write(`round ${r + 1} ${name}: ${res.ok}/${REQUESTS} redeemed ok, ${res.failures} issue failures\n`);
      }
    }
    const revocation = await revocationCost(cognito, vars);
    const ed = await verifyCost(workers, 'EdDSA');
    const rsa = await verifyCost(workers, 'RS256');
    const verify = { rust: { EdDSA: ed.rust, RS256: rsa.rust }, jose: { EdDSA: ed.jose, RS256: rsa.jose } };
    const summary = (name) => {
      const rs = results[name];
      const redeemLat = rs.flatMap((x) => x.redeemed.latencies);
      const issueLat = rs.flatMap((x) => x.issued.latencies);
      const rps = median(rs.map((x) => (REQUESTS / x.redeemed.wall) * 1000));
      return { rps, p50: pct(redeemLat, 0.5), p99: pct(redeemLat, 0.99), issueP50: pct(issueLat, 0.5),
        ok: rs.reduce((a, x) => a + x.ok, 0), failures: rs.reduce((a, x) => a + x.failures, 0) };
    };
    const a = summary('rust');
    const b = summary('jose');
    const size = bundleSizes();
    const rows = [
      ['redeem throughput (req/s, higher is better)', a.rps, b.rps, a.rps / b.rps, '>= 1.0'],
      ['redeem p50 (ms)', a.p50, b.p50, a.p50 / b.p50, ''],
      ['redeem p99 (ms)', a.p99, b.p99, a.p99 / b.p99, ''],
      ['issue p50 (ms)', a.issueP50, b.issueP50, a.issueP50 / b.issueP50, ''],
      ['verify EdDSA (us, in workerd)', verify.rust.EdDSA, verify.jose.EdDSA, verify.rust.EdDSA / verify.jose.EdDSA, '<= 1.0'],
      ['verify RS256 (us, in workerd)', verify.rust.RS256, verify.jose.RS256, verify.rust.RS256 / verify.jose.RS256, '<= 1.0'],
      ['bundle gzip (KB)', size.rust / 1024, size.js / 1024, size.rust / size.js, 'Rust <= 200 KB'],
      ['bundle raw (KB)', size.rustRaw / 1024, size.jsRaw / 1024, size.rustRaw / size.jsRaw, ''],
    ];
    console.log(`\nedge benchmark: ${ROUNDS} rounds x ${REQUESTS} requests, ${CONCURRENCY} concurrent, ${USERS} users, local wrangler dev`);
    console.log(`redeemed ok: rust ${a.ok}/${ROUNDS * REQUESTS}, jose ${b.ok}/${ROUNDS * REQUESTS}; issue failures: rust ${a.failures}, jose ${b.failures}`);
    const pad = (s, n) => String(s).padEnd(n);
    const num = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
    console.log(`${pad('metric', 46)}${pad('rust', 10)}${pad('jose', 10)}${pad('ratio', 8)}target`);
    for (const [name, x, y, ratio, target] of rows) console.log(`${pad(name, 46)}${pad(num(x), 10)}${pad(num(y), 10)}${pad(ratio.toFixed(2), 8)}${target}`);
    const on = revocation.getuser;
    const off = revocation.off;
    console.log(`\nrevocation check (GetUser on issue, fresh access token per request, 8 concurrent, loopback Cognito stand-in):`);
    console.log(`${pad('issue p50 / p99 (ms)', 46)}${pad(`${num(on.p50)} / ${num(on.p99)}`, 20)}${pad(`off: ${num(off.p50)} / ${num(off.p99)}`, 24)}ratio ${(on.p50 / off.p50).toFixed(2)} (GetUser calls: ${on.getUsers} on, ${off.getUsers} off)`);
    const verifyOk = verify.rust.EdDSA <= verify.jose.EdDSA && verify.rust.RS256 <= verify.jose.RS256;
    console.log(`targets: per-verify ${verifyOk ? 'met' : 'MISSED'}; throughput ${a.rps >= b.rps ? 'met' : 'MISSED'}; size ${size.rust <= 200 * 1024 ? 'met' : 'MISSED'}`);
  } finally {
    await workers.rust.stop();
    await workers.jose.stop();
    await cognito.close();
  }
}

await main();
