// Scans every log of the running local stack for secrets: the edge's and ministack's process logs, the site's,
// the trigger's records (ministack keeps them in its CloudWatch Logs), and any extra text a test hands in (the
// browser console). A hit is any JWT or JWE (handoff tokens, Cognito access/id/refresh tokens), a `nonce` member
// with a value, or a known secret of the stack (the redeem secrets, the demo password, the signing keys' private
// parts). Logs must carry fingerprints and reason codes only.
//
//   node tests/stack/scan-logs.mjs            (exit 1 on any hit; prints where, never the secret)

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** JWS (three parts) or JWE (five parts) starting with a base64url JSON header. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
const NONCE = /"nonce"\s*:\s*"[^"]{8,}"/i;
const PASSWORD = /"password"\s*:\s*"[^"]+"/i;

function readEnv(file) {
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

/** The literal secrets of the stack described by `.stack/env`. */
export function knownSecrets(envFile = join(ROOT, '.stack', 'env')) {
  const env = readEnv(envFile);
  const dir = dirname(envFile);
  const secrets = [env.REDEEM_SECRET, env.DEMO_PASSWORD];
  const redeem = join(dir, 'redeem-secrets');
  if (existsSync(redeem)) secrets.push(...readFileSync(redeem, 'utf8').split(/[\n,]/));
  if (env.SIGNING_JWKS_FILE && existsSync(env.SIGNING_JWKS_FILE)) {
    for (const key of JSON.parse(readFileSync(env.SIGNING_JWKS_FILE, 'utf8')).keys ?? []) {
      for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) if (key[part]) secrets.push(key[part]);
    }
  }
  return secrets.map((s) => (s ?? '').trim()).filter((s) => s.length >= 8);
}

function logFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) {
      // Emulator data (ministack's keys and stored objects, workerd's storage) is state, not logs.
      if (!['ministack', 'persist', 'config'].includes(name)) out.push(...logFiles(path));
    } else if (/\.(log|txt)$/.test(name)) {
      out.push(path);
    }
  }
  return out;
}

/** The trigger functions' log records, from the emulator's CloudWatch Logs. */
async function lambdaLogs(endpoint) {
  const call = async (target, body) => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${target}` },
      body: JSON.stringify(body),
    });
    return res.ok ? res.json() : {};
  };
  const texts = [];
  const groups = (await call('DescribeLogGroups', { logGroupNamePrefix: '/aws/lambda/' })).logGroups ?? [];
  for (const { logGroupName } of groups) {
    let nextToken;
    do {
      const page = await call('FilterLogEvents', { logGroupName, nextToken });
      for (const event of page.events ?? []) texts.push(`${logGroupName}: ${event.message}`);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return { name: 'trigger logs (CloudWatch Logs)', text: texts.join('\n'), lines: texts.length };
}

/** Every hit in the stack's logs plus `extra` ({name, text}); each hit is {where, kind}, never the secret. */
export async function scanStack({ envFile = join(ROOT, '.stack', 'env'), extra = [] } = {}) {
  const env = readEnv(envFile);
  const secrets = knownSecrets(envFile);
  const sources = logFiles(env.STACK_STATE_DIR).map((path) => ({ name: path, text: readFileSync(path, 'utf8') }));
  sources.push(await lambdaLogs(env.COGNITO_ENDPOINT));
  sources.push(...extra);
  const hits = [];
  let lines = 0;
  for (const { name, text } of sources) {
    text.split('\n').forEach((line, i) => {
      lines += 1;
      const where = `${name}:${i + 1}`;
      if (JWT.test(line)) hits.push({ where, kind: 'a JWT/JWE (token)' });
      if (NONCE.test(line)) hits.push({ where, kind: 'a challenge nonce' });
      if (PASSWORD.test(line)) hits.push({ where, kind: 'a password' });
      if (secrets.some((s) => line.includes(s))) hits.push({ where, kind: 'a stack secret' });
    });
  }
  return { hits, sources: sources.length, lines };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { hits, sources, lines } = await scanStack();
  for (const hit of hits) console.log(`log-scan: ${hit.where}: ${hit.kind}`);
  console.log(`log-scan: ${sources} sources, ${lines} lines, ${hits.length} hit(s)`);
  process.exit(hits.length ? 1 : 0);
}
