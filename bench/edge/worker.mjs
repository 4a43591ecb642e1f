// The benchmark's anchor: the edge a Cloudflare user would write in JavaScript with `jose`, doing the same work
// as the Rust worker: the same routes, secret check, KV fast reject, claims checks, a JS Durable Object ledger
// (one JSON document per user, load/apply/store) and KV burn record. Local benchmarks only; not shipped.

import { DurableObject } from 'cloudflare:workers';
import { SignJWT, createRemoteJWKSet, importJWK, jwtVerify } from 'jose';

const MAX_BODY = 8 * 1024;
const enc = new TextEncoder();

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } });
const error = (status, code, message, headers) => json(status, { error: code, message }, headers);

let cached;
async function config(env) {
  if (cached) return cached;
  const jwks = JSON.parse(env.SIGNING_JWKS).keys;
  const verify = new Map();
  const sign = [];
  for (const jwk of jwks) {
    const { d, p, q, dp, dq, qi, ...pub } = jwk;
    verify.set(jwk.kid, { alg: jwk.alg, key: await importJWK(pub, jwk.alg) });
    if (d) sign.push({ kid: jwk.kid, alg: jwk.alg, key: await importJWK(jwk, jwk.alg) });
  }
  cached = {
    issuer: env.ISSUER,
    audiences: env.AUDIENCES.split(',').map((s) => s.trim()),
    mobile: env.MOBILE_CLIENT_IDS.split(',').map((s) => s.trim()),
    ttl: Number(env.TOKEN_TTL_SECS || 60),
    limits: { perMinute: Number(env.RATE_ISSUES_PER_MINUTE || 5), live: Number(env.RATE_MAX_LIVE_TOKENS || 3) },
    secrets: await Promise.all(env.REDEEM_SECRETS.split(',').map((s) => crypto.subtle.digest('SHA-256', enc.encode(s.trim())))),
    verify,
    sign,
    pool: createRemoteJWKSet(new URL(env.COGNITO_JWKS_URL), { cooldownDuration: 60_000 }),
    cognitoIssuer: env.COGNITO_ISSUER,
    allowlist: (env.REDIRECT_ALLOWLIST || '').split(',').map((s) => s.trim()).filter(Boolean),
    bench: env.BENCH === 'true',
  };
  return cached;
}

async function body(request) {
  if (Number(request.headers.get('content-length') || 0) > MAX_BODY) throw error(413, 'payload_too_large', 'too large');
  const text = await request.text();
  if (text.length > MAX_BODY) throw error(413, 'payload_too_large', 'too large');
  if (!/^application\/json\b/i.test(request.headers.get('content-type') || '')) throw error(415, 'unsupported_media_type', 'json only');
  try { return JSON.parse(text); } catch { throw error(400, 'bad_request', 'not json'); }
}

function bearer(request) {
  const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(request.headers.get('authorization') || '');
  if (!m) throw error(401, 'unauthorized', 'bearer required');
  return m[1];
}

async function digestHex(text) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

const keyFor = (cfg) => async (header) => {
  const entry = cfg.verify.get(header.kid);
  if (!entry) throw Object.assign(new Error('unknown kid'), { reason: 'unknown_key' });
  if (entry.alg !== header.alg) throw Object.assign(new Error('alg'), { reason: 'algorithm_not_allowed' });
  return entry.key;
};

async function verifyHandoff(token, cfg, now) {
  if (token.length > 4096) return { reason: 'token_too_large' };
  try {
    const { payload, protectedHeader } = await jwtVerify(token, keyFor(cfg), {
      issuer: cfg.issuer, audience: cfg.audiences, typ: 'handoff+jwt', algorithms: ['EdDSA', 'RS256'],
      clockTolerance: 2, currentDate: new Date(now * 1000),
      requiredClaims: ['iss', 'aud', 'sub', 'username', 'azp', 'iat', 'exp', 'jti'],
    });
    if (['jku', 'x5u', 'jwk', 'x5c'].some((h) => h in protectedHeader)) return { reason: 'forbidden_header' };
    if (typeof payload.aud !== 'string') return { reason: 'malformed' };
    if (payload.exp - payload.iat > cfg.ttl) return { reason: 'lifetime_too_long' };
    return { payload };
  } catch (e) {
    return { reason: e.reason || (e.code === 'ERR_JWT_EXPIRED' ? 'expired' : e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'bad_signature' : 'invalid') };
  }
}

async function ledger(env, sub, op) {
  const stub = env.LEDGER.get(env.LEDGER.idFromName(sub));
  const res = await stub.fetch('https://ledger.internal/op', { method: 'POST', body: JSON.stringify(op) });
  if (res.status !== 200) throw error(503, 'unavailable', 'ledger');
  return res.json();
}

async function redeem(request, env, ctx, cfg, now) {
  const presented = await crypto.subtle.digest('SHA-256', enc.encode(bearer(request)));
  let match = false;
  for (const s of cfg.secrets) match = crypto.subtle.timingSafeEqual(presented, s) || match;
  if (!match) return error(401, 'unauthorized', 'wrong secret');
  const b = await body(request);
  const fields = ['token', 'sub', 'username', 'client_id', 'nonce'];
  if (Object.keys(b).some((k) => !fields.includes(k)) || fields.some((k) => typeof b[k] !== 'string')) {
    return error(400, 'bad_request', 'fields');
  }
  const nonce = await digestHex(b.nonce);
  let jti;
  try { jti = JSON.parse(atob(b.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).jti; } catch { jti = undefined; }
  if (typeof jti === 'string') {
    const burnedBy = await env.BURNS.get(`burned:${jti}`);
    if (burnedBy && burnedBy !== nonce) return json(200, { ok: false, reason: 'replayed' });
  }
  const { payload, reason } = await verifyHandoff(b.token, cfg, now);
  if (reason) return json(200, { ok: false, reason });
  if (payload.aud !== b.client_id) return json(200, { ok: false, reason: 'wrong_audience' });
  if (payload.sub !== b.sub || payload.username !== b.username) return json(200, { ok: false, reason: 'wrong_user' });
  const { outcome } = await ledger(env, payload.sub, { op: 'redeem', jti: payload.jti, nonce, now });
  if (outcome === 'burned') {
    const ttl = Math.max(60, payload.exp + 60 - now);
    // After the answer, as the Rust worker writes it (edge/src/handlers/redeem.rs).
    ctx.waitUntil(env.BURNS.put(`burned:${payload.jti}`, nonce, { expirationTtl: ttl }).catch((e) => console.log(`KV write: ${e}`)));
  }
  if (outcome === 'burned' || outcome === 'repeated') return json(200, { ok: true });
  return json(200, { ok: false, reason: outcome });
}

/** Access tokens GetUser called current, and when (ms): trusted for 30 s, as edge/src/revocation.rs does. */
const current = new Map();
const CURRENT_FOR_MS = 30_000;

/**
 * The Rust edge's revocation check (edge/src/revocation.rs), so that issuing compares equal work: Cognito's
 * GetUser for an access token not called current in the last 30 s; a refusal is 401, anything else fails closed
 * (503). `REVOCATION_CHECK=off` turns it off, as for the Rust worker.
 */
async function revocation(env, token) {
  if (env.REVOCATION_CHECK === 'off') return null;
  const seen = current.get(token);
  if (seen !== undefined && Date.now() - seen < CURRENT_FOR_MS) return null;
  let res;
  try {
    const endpoint = env.COGNITO_ENDPOINT || `https://${new URL(env.COGNITO_ISSUER).host}/`;
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.GetUser' },
      body: JSON.stringify({ AccessToken: token }),
      signal: AbortSignal.timeout(2000),
    });
  } catch {
    return error(503, 'unavailable', 'GetUser');
  }
  if (res.status === 200) {
    if (current.size >= 10_000) current.clear();
    current.set(token, Date.now());
    return null;
  }
  if (res.status === 400 && /NotAuthorized/.test(res.headers.get('x-amzn-errortype') ?? await res.text())) {
    return error(401, 'invalid_access_token', 'revoked');
  }
  return error(503, 'unavailable', 'GetUser');
}

async function issue(request, env, cfg, now) {
  const at = bearer(request);
  let user;
  try {
    const { payload } = await jwtVerify(at, cfg.pool, { issuer: cfg.cognitoIssuer, algorithms: ['RS256'], currentDate: new Date(now * 1000), clockTolerance: 2 });
    if (payload.token_use !== 'access' || !cfg.mobile.includes(payload.client_id) || !payload.sub || !payload.username) throw new Error('claims');
    user = payload;
  } catch {
    return error(401, 'invalid_access_token', 'bad access token');
  }
  const refused = await revocation(env, at);
  if (refused) return refused;
  const text = await request.text();
  const b = text.trim() ? JSON.parse(text) : {};
  if (b.redirect !== undefined && !cfg.allowlist.some((p) => b.redirect === p || b.redirect.startsWith(`${p}/`))) {
    return error(400, 'bad_redirect', 'redirect');
  }
  const jti = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const exp = now + cfg.ttl;
  const recorded = await ledger(env, user.sub, { op: 'issue', jti, exp, now, limits: cfg.limits });
  if (recorded.outcome === 'rate_limited') return error(429, 'rate_limited', 'later', { 'retry-after': String(recorded.retry_after) });
  const signer = cfg.sign[0];
  const claims = { iss: cfg.issuer, aud: cfg.audiences[0], sub: user.sub, username: user.username, azp: user.client_id, iat: now, nbf: now, exp, jti };
  if (b.redirect) claims.redirect = b.redirect;
  const token = await new SignJWT(claims).setProtectedHeader({ alg: signer.alg, typ: 'handoff+jwt', kid: signer.kid }).sign(signer.key);
  return json(201, { token, url: `${env.WEB_ORIGIN}${env.LANDING_PATH}#handoff=${token}`, expires_in: cfg.ttl });
}

async function benchVerify(request, cfg, now) {
  const { alg, n } = await body(request);
  const signer = cfg.sign.find((s) => s.alg === alg);
  const claims = { iss: cfg.issuer, aud: cfg.audiences[0], sub: 'bench-sub', username: 'bench', azp: cfg.mobile[0], iat: now, nbf: now, exp: now + cfg.ttl, jti: 'AAECAwQFBgcICQoLDA0ODw' };
  const token = await new SignJWT(claims).setProtectedHeader({ alg, typ: 'handoff+jwt', kid: signer.kid }).sign(signer.key);
  let ok = 0;
  for (let i = 0; i < Math.min(n, 100_000); i += 1) if ((await verifyHandoff(token, cfg, now)).payload) ok += 1;
  return json(200, { n, ok });
}

/** One JSON log line per request, like the Rust worker's (fingerprint = first 8 bytes of SHA-256, hex). */
async function logged(route, response, token) {
  const line = { route, status: response.status };
  if (token) line.token_fp = (await digestHex(token)).slice(0, 16);
  console.log(JSON.stringify(line));
  return response;
}

export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    const response = await handle(request, env, ctx, pathname);
    return logged(pathname, response);
  },
};

async function handle(request, env, ctx, pathname) {
  {
    const now = Math.floor(Date.now() / 1000);
    try {
      const cfg = await config(env);
      if (pathname === '/healthz') return json(200, { ok: true });
      if (request.method !== 'POST') return error(405, 'method_not_allowed', 'POST only', { allow: 'POST' });
      if (pathname === '/v1/redeem') return await redeem(request, env, ctx, cfg, now);
      if (pathname === '/v1/handoffs') return await issue(request, env, cfg, now);
      if (pathname === '/bench/verify' && cfg.bench) return await benchVerify(request, cfg, now);
      return error(404, 'not_found', 'no such path');
    } catch (e) {
      if (e instanceof Response) return e;
      return error(500, 'internal', 'internal');
    }
  }
}

/** The earliest time an entry of `state` can be dropped (the Rust ledger's `next_cleanup`), or null. */
const nextCleanup = (state) => {
  const times = [...Object.values(state.tokens).map((e) => e.exp + 60), ...state.issued.map((t) => t + 60)];
  return times.length ? Math.min(...times) : null;
};

/**
 * The per-user ledger: the same state machine as the Rust one (record, burn once per nonce, limits), and the same
 * cleanup: an alarm at the next expiry, set once per object instance after a recorded issue, which drops expired
 * entries (and the storage when nothing is left), as edge/src/durable.rs does.
 */
export class Ledger extends DurableObject {
  async alarm() {
    this.alarmPending = false;
    const now = Math.floor(Date.now() / 1000);
    const state = (await this.ctx.storage.get('ledger')) ?? { tokens: {}, issued: [] };
    state.issued = state.issued.filter((t) => t + 60 > now);
    for (const [jti, e] of Object.entries(state.tokens)) if (e.exp + 60 <= now) delete state.tokens[jti];
    if (!state.issued.length && !Object.keys(state.tokens).length) {
      await this.ctx.storage.deleteAll();
      return;
    }
    await this.ctx.storage.put('ledger', state);
    const at = nextCleanup(state);
    if (at !== null) {
      await this.ctx.storage.setAlarm(Date.now() + Math.max(1, at - now) * 1000);
      this.alarmPending = true;
    }
  }

  async fetch(request) {
    const op = await request.json();
    const state = (await this.ctx.storage.get('ledger')) ?? { tokens: {}, issued: [] };
    let result;
    let changed = false;
    if (op.op === 'issue') {
      state.issued = state.issued.filter((t) => t + 60 > op.now);
      for (const [jti, e] of Object.entries(state.tokens)) if (e.exp + 60 <= op.now) delete state.tokens[jti];
      const live = Object.values(state.tokens).filter((e) => e.state === 'live' && e.exp > op.now);
      if (state.issued.length >= op.limits.perMinute) result = { outcome: 'rate_limited', retry_after: Math.max(1, Math.min(...state.issued) + 60 - op.now) };
      else if (live.length >= op.limits.live) result = { outcome: 'rate_limited', retry_after: Math.max(1, Math.min(...live.map((e) => e.exp)) - op.now) };
      else {
        state.tokens[op.jti] = { exp: op.exp, state: 'live' };
        state.issued.push(op.now);
        result = { outcome: 'recorded' };
        changed = true;
      }
    } else {
      const e = state.tokens[op.jti];
      if (!e) result = { outcome: 'unknown_token' };
      else if (e.state === 'burned') result = { outcome: e.nonce === op.nonce ? 'repeated' : 'replayed' };
      else if (e.state === 'revoked') result = { outcome: 'revoked' };
      else if (op.now >= e.exp + 5) result = { outcome: 'expired' };
      else {
        e.state = 'burned';
        e.nonce = op.nonce;
        result = { outcome: 'burned' };
        changed = true;
      }
    }
    if (changed) await this.ctx.storage.put('ledger', state);
    if (op.op === 'issue' && result.outcome === 'recorded' && !this.alarmPending) {
      if ((await this.ctx.storage.getAlarm()) === null) {
        const at = nextCleanup(state);
        if (at !== null) await this.ctx.storage.setAlarm(Date.now() + Math.max(1, at - op.now) * 1000);
      }
      this.alarmPending = true;
    }
    return Response.json(result);
  }
}
