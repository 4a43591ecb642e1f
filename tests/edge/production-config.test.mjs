// The production wrangler environment, read through wrangler's own config reader (edge/scripts/check-config.mjs):
// the committed file is wrong only in its placeholders, a filled copy passes and deploys (dry run, offline),
// the local dev config and planted mistakes fail with the exact problem, and no production bundle carries the
// benchmark route (that the route exists only with the `bench` cargo feature is a native test in edge/src/request.rs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { problems } from '../../edge/scripts/check-config.mjs';
import { EDGE, ROOT, ensureBuilt, tempDir } from './helper.mjs';

const COMMITTED = join(EDGE, 'wrangler.toml');
const FILLED = {
  '<handoff edge host, e.g. handoff.example.com>': 'handoff.example.com',
  '<web app host, e.g. app.example.com>': 'app.example.com',
  '<web client id>': '4f1b2c3d4e5f6a7b8c9d0e1f2a',
  '<mobile client id>': '7a6b5c4d3e2f1a0b9c8d7e6f5a',
  '<user pool id>': 'eu-west-1_AbCdEfGhI',
  '<region>': 'eu-west-1',
  '<KV namespace id: 32 hex digits>': '0123456789abcdef0123456789abcdef',
};

/** The committed config with `edits` applied (string replacements), written to a temp dir with an absolute main. */
function variant(edits, dir) {
  let text = readFileSync(COMMITTED, 'utf8').replace(/^main = .*$/m, `main = ${JSON.stringify(join(EDGE, 'build', 'worker', 'shim.mjs'))}`);
  for (const [from, to] of edits) {
    assert.ok(text.includes(from), `the config no longer contains ${from}`);
    text = text.split(from).join(to);
  }
  const path = join(dir, `wrangler-${Math.random().toString(16).slice(2)}.toml`);
  writeFileSync(path, text);
  return path;
}

const filledEdits = Object.entries(FILLED);
const codes = (list) => list.map((p) => p.code);

test('the committed production config is wrong only in its placeholders, each one reported', async () => {
  const found = await problems(COMMITTED, 'production');
  assert.ok(found.length >= 8, JSON.stringify(found));
  assert.deepEqual([...new Set(codes(found))], ['placeholder'], JSON.stringify(found, null, 1));
  for (const name of ['ISSUER', 'WEB_ORIGIN', 'AUDIENCES', 'MOBILE_CLIENT_IDS', 'COGNITO_ISSUER', 'COGNITO_JWKS_URL']) {
    assert.ok(found.some((p) => p.message.startsWith(`${name} =`)), `${name} placeholder not reported`);
  }
  assert.ok(found.some((p) => p.message.startsWith('routes:')));
  assert.ok(found.some((p) => p.message.startsWith('kv_namespaces BURNS')));
});

test('a filled production config passes: https only, real-looking bindings, migration, secrets, observability', async () => {
  const dir = tempDir('handoff-prodcfg-');
  try {
    assert.deepEqual(await problems(variant(filledEdits, dir), 'production'), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same checks fail on the local dev config', async () => {
  const found = codes(await problems(COMMITTED, undefined));
  for (const code of ['workers_dev', 'routes', 'http', 'loopback', 'kv', 'observability', 'secrets']) {
    assert.ok(found.includes(code), `dev config not caught for ${code}: ${found}`);
  }
});

test('planted mistakes in a filled config are caught with the exact problem', async () => {
  const dir = tempDir('handoff-prodcfg-');
  const planted = [
    ['http', ['ISSUER = "https://handoff.example.com"', 'ISSUER = "http://handoff.example.com"']],
    ['loopback', ['WEB_ORIGIN = "https://app.example.com"', 'WEB_ORIGIN = "https://127.0.0.1:8080"']],
    ['cognito_issuer', ['COGNITO_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI"', 'COGNITO_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbCdEfGhI"']],
    ['kv', ['id = "0123456789abcdef0123456789abcdef"', 'id = "handoff-burns"']],
    ['workers_dev', ['workers_dev = false', 'workers_dev = true']],
    ['observability', ['[env.production.observability]\nenabled = true', '[env.production.observability]\nenabled = false']],
    ['secrets', ['required = ["SIGNING_JWKS", "REDEEM_SECRETS"]', 'required = ["SIGNING_JWKS"]']],
    ['bench', ['REVOCATION_CHECK = "getuser"\n', 'REVOCATION_CHECK = "getuser"\nBENCH_ROUTES = "true"\n']],
    ['missing_var', ['LANDING_PATH = "/handoff"\n# From the SAM', '# From the SAM']],
    ['durable_object', ['[env.production.durable_objects]\nbindings = [{ name = "LEDGER", class_name = "Ledger" }]', '']],
    ['compat_flag', ['compatibility_date = "2026-04-01"\n', 'compatibility_date = "2026-04-01"\ncompatibility_flags = ["nodejs_compat"]\n']],
  ];
  try {
    for (const [code, edit] of planted) {
      const text = readFileSync(COMMITTED, 'utf8');
      // Apply the fill first, then the mistake, on the filled text.
      const filled = filledEdits.reduce((t, [a, b]) => t.split(a).join(b), text);
      assert.ok(filled.includes(edit[0]), `planted edit for ${code} no longer applies`);
      const path = join(dir, `${code}.toml`);
      writeFileSync(path, filled.replace(edit[0], edit[1]).replace(/^main = .*$/m, `main = ${JSON.stringify(join(EDGE, 'build', 'worker', 'shim.mjs'))}`));
      const found = codes(await problems(path, 'production'));
      assert.ok(found.includes(code), `${code} not caught: ${found}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function bundleText(outdir) {
  return readdirSync(outdir, { recursive: true })
    .filter((f) => /\.(m?js|wasm)$/.test(f))
    .map((f) => readFileSync(join(outdir, f)).toString('latin1'))
    .join('\n');
}

function dryRun(config, outdir) {
  return spawnSync(join(ROOT, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--env', 'production', '--config', config, '--outdir', outdir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true', XDG_CONFIG_HOME: join(outdir, '..', 'config'), WRANGLER_LOG_PATH: join(outdir, '..', 'logs') },
  });
}

test('the production worker deploys (dry run, offline) and its bundle has no benchmark route', async () => {
  ensureBuilt();
  const dir = tempDir('handoff-prodcfg-');
  try {
    const out = join(dir, 'bundle');
    const result = dryRun(variant(filledEdits, dir), out);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout + result.stderr, /--dry-run: exiting now/);
    const text = bundleText(out);
    assert.ok(text.includes('/v1/redeem'), 'the bundle holds the worker');
    assert.ok(!text.includes('/bench/verify'), 'the production bundle must not contain the benchmark route');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
