// Checks a wrangler environment is fit for production, reading it through wrangler's own config reader (so
// what is checked is what `wrangler deploy` would use: environments resolved, nothing inherited by accident).
//
//   node edge/scripts/check-config.mjs [--config edge/wrangler.toml] [--env production]
//
// Prints one line per problem and exits 1 if there is any. `cargo xtask package` runs it; the tests run it on
// the committed config (only its placeholders may be wrong), on a filled copy (must pass) and on the local dev
// config (must fail).

import { readFileSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The worker's settings, read from the one table of them in edge/src/config.rs (`Setting::var("NAME",
 * Need::...)` and `Setting::secret("NAME")`; a test there checks this finds every entry): `{ name, kind, need }`.
 */
export function settings(source = readFileSync(join(ROOT, 'edge', 'src', 'config.rs'), 'utf8')) {
  const code = source.slice(0, source.indexOf('#[cfg(test)]'));
  const found = [...code.matchAll(/Setting::(var|secret)\(\s*"([A-Z0-9_]+)"(?:,\s*Need::(\w+))?\s*\)/g)]
    .map(([, kind, name, need]) => ({ name, kind, need: need ?? 'Required' }));
  if (found.length === 0) throw new Error('no Setting found in edge/src/config.rs');
  return found;
}

const SETTINGS = settings();
/** Secrets the worker cannot run without. */
export const REQUIRED_SECRETS = SETTINGS.filter((s) => s.kind === 'secret').map((s) => s.name);
/** Variables a production environment must set itself (secrets aside): required ones, and those it states. */
export const REQUIRED_VARS = SETTINGS.filter((s) => s.kind === 'var' && s.need !== 'Optional').map((s) => s.name);
const URL_VARS = ['ISSUER', 'WEB_ORIGIN', 'COGNITO_ISSUER', 'COGNITO_JWKS_URL'];
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)$/i;
// A Cognito user pool id: `<region>_<9 or more letters/digits>`.
const COGNITO_ISSUER = /^https:\/\/cognito-idp\.([a-z]{2}(-[a-z]+)+-\d)\.amazonaws\.com\/\1_[A-Za-z0-9]+$/;

/** Every problem of `env` in the wrangler config at `configPath`, as `{ code, message }`. */
export async function problems(configPath, env) {
  const { unstable_readConfig: readConfig } = await import('wrangler');
  const config = readConfig({ config: configPath, env }, { hideWarnings: true });
  const out = [];
  const add = (code, message) => out.push({ code, message });
  const placeholder = (v) => typeof v === 'string' && /<[^>]*>/.test(v);

  const devName = readConfig({ config: configPath }, { hideWarnings: true }).name;
  if (env && config.name === devName) add('name', `the ${env} worker has the dev worker's name ${JSON.stringify(devName)}`);
  if (config.workers_dev !== false) add('workers_dev', 'workers_dev must be false (serve on your own domain only)');
  const routes = [...(config.routes || []), ...(config.route ? [config.route] : [])];
  if (routes.length === 0) add('routes', 'no route or custom domain: the worker would not be reachable');
  for (const route of routes) {
    const pattern = typeof route === 'string' ? route : route.pattern;
    if (placeholder(pattern)) add('placeholder', `routes: ${JSON.stringify(pattern)} is still a placeholder`);
    else if (LOOPBACK.test(String(pattern).split(/[/:]/)[0])) add('loopback', `routes: ${pattern} is a loopback host`);
  }

  const vars = config.vars || {};
  for (const name of REQUIRED_VARS) {
    if (vars[name] === undefined || vars[name] === '') add('missing_var', `${name} is not set in this environment`);
  }
  for (const [name, value] of Object.entries(vars)) {
    if (placeholder(value)) add('placeholder', `${name} = ${JSON.stringify(value)} is still a placeholder`);
    if (/^BENCH/i.test(name)) add('bench', `${name}: no benchmark setting belongs in production`);
  }
  for (const name of URL_VARS) {
    const value = vars[name];
    if (typeof value !== 'string' || placeholder(value)) continue;
    let url;
    try { url = new URL(value); } catch { add('url', `${name} = ${JSON.stringify(value)} is not a URL`); continue; }
    if (url.protocol !== 'https:') add('http', `${name} must be https (is ${url.protocol})`);
    if (LOOPBACK.test(url.hostname)) add('loopback', `${name} points at a loopback host (${url.hostname})`);
    if (url.username || url.password) add('url', `${name} must not carry user information`);
  }
  const issuer = vars.COGNITO_ISSUER;
  if (typeof issuer === 'string' && !placeholder(issuer) && !COGNITO_ISSUER.test(issuer)) {
    add('cognito_issuer', `COGNITO_ISSUER ${JSON.stringify(issuer)} is not https://cognito-idp.<region>.amazonaws.com/<region>_<id>`);
  }
  if (typeof issuer === 'string' && vars.COGNITO_JWKS_URL !== `${issuer}/.well-known/jwks.json` && !placeholder(issuer)) {
    add('cognito_jwks', 'COGNITO_JWKS_URL must be COGNITO_ISSUER + /.well-known/jwks.json');
  }

  const kv = (config.kv_namespaces || []).find((n) => n.binding === 'BURNS');
  if (!kv) add('kv', 'no KV namespace bound as BURNS');
  else if (placeholder(kv.id)) add('placeholder', `kv_namespaces BURNS: id ${JSON.stringify(kv.id)} is still a placeholder`);
  else if (!/^[0-9a-f]{32}$/.test(kv.id || '')) add('kv', `kv_namespaces BURNS: id ${JSON.stringify(kv.id)} is not a KV namespace id (32 hex digits)`);
  const dob = (config.durable_objects?.bindings || []).find((b) => b.name === 'LEDGER');
  if (!dob || dob.class_name !== 'Ledger') add('durable_object', 'no Durable Object bound as LEDGER (class Ledger)');
  const sqlite = (config.migrations || []).some((m) => (m.new_sqlite_classes || []).includes('Ledger'));
  if (!sqlite) add('migration', 'no migration with new_sqlite_classes = ["Ledger"]');
  if (!config.observability?.enabled) add('observability', 'observability is off: enable Workers Logs');
  // AsyncLocalStorage tracks every promise: measured, 14 % more CPU per issue + redeem (docs/deploy.md).
  for (const flag of (config.compatibility_flags || []).filter((f) => /^nodejs_(compat|als)/.test(f))) {
    add('compat_flag', `compatibility flag ${flag}: it turns on AsyncLocalStorage, which costs every request (the worker needs nothing from Node)`);
  }
  const required = config.secrets?.required || [];
  for (const name of REQUIRED_SECRETS) {
    if (!required.includes(name)) add('secrets', `secret ${name} is not declared in secrets.required`);
  }
  for (const name of REQUIRED_SECRETS) {
    if (vars[name] !== undefined) add('secret_in_vars', `${name} is a secret: never put it in vars`);
  }
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  const value = (flag, fallback) => {
    const i = args.indexOf(flag);
    return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
  };
  const config = resolve(value('--config', resolve(ROOT, 'edge', 'wrangler.toml')));
  const env = value('--env', 'production');
  const found = await problems(config, env);
  for (const p of found) console.log(`check-config: ${p.code}: ${p.message}`);
  if (found.length) {
    const placeholders = found.filter((p) => p.code === 'placeholder').length;
    console.log(`check-config: ${config} [env.${env}]: ${found.length} problem(s)${placeholders ? `, ${placeholders} unfilled placeholder(s)` : ''}`);
    process.exit(1);
  }
  console.log(`check-config: ${config} [env.${env}] is ready for production`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
