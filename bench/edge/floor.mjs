// The runtime's floor: what any edge worker must spend on these routes under this runtime. It makes the same
// runtime calls as the anchor (bench/edge/worker.mjs) and the Rust worker, in the same order: WebCrypto verify, sign
// and digests, the user's Durable Object (the anchor's own ledger class), KV read and the burn record after the
// answer, GetUser with its 30 s memory, a Response and a log line. Around those calls it does the least JavaScript
// that can still make them: no token library, no claims or field checks, no error answers beyond the calls' own.
// So it accepts what a real edge refuses: it is a measuring stick, never a product. `cargo xtask bench edge`
// runs it beside both workers: floor / anchor is the best ratio any worker could reach against the anchor here.
// Its /bench/verify is the WebCrypto call alone, on a signature decoded once.

export { Ledger } from './worker.mjs';

const enc = new TextEncoder();
const bytes = (b64url) => Uint8Array.from(atob(b64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const b64url = (data) => btoa(String.fromCharCode(...new Uint8Array(data))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const text64 = (value) => b64url(enc.encode(JSON.stringify(value)));
const ALGS = { EdDSA: { name: 'Ed25519' }, RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } };
const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });

let cached;
async function config(env) {
  if (cached) return cached;
  const keys = JSON.parse(env.SIGNING_JWKS).keys;
  const verify = new Map();
  const sign = [];
  for (const { d, p, q, dp, dq, qi, ...pub } of keys) {
    verify.set(pub.kid, await crypto.subtle.importKey('jwk', pub, ALGS[pub.alg], false, ['verify']));
  }
  for (const jwk of keys.filter((k) => k.d)) sign.push({ jwk, key: await crypto.subtle.importKey('jwk', jwk, ALGS[jwk.alg], false, ['sign']) });
  const pool = new Map();
  for (const jwk of (await (await fetch(env.COGNITO_JWKS_URL)).json()).keys) {
    pool.set(jwk.kid, await crypto.subtle.importKey('jwk', jwk, ALGS.RS256, false, ['verify']));
  }
  const secrets = await Promise.all(env.REDEEM_SECRETS.split(',').map((s) => crypto.subtle.digest('SHA-256', enc.encode(s.trim()))));
  cached = { verify, sign, pool, secrets, ttl: Number(env.TOKEN_TTL_SECS || 60) };
  return cached;
}

/** The token's parts, its header, payload and whether its signature verifies with `keys[kid]`. */
async function verified(token, keys) {
  const [h, p, s] = token.split('.');
  const header = JSON.parse(atob(h.replace(/-/g, '+').replace(/_/g, '/')));
  const payload = JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/')));
  const ok = await crypto.subtle.verify(ALGS[header.alg], keys.get(header.kid), bytes(s), enc.encode(`${h}.${p}`));
  return { header, payload, ok };
}

const current = new Map();
async function stillCurrent(env, token) {
  const seen = current.get(token);
  if (seen !== undefined && Date.now() - seen < 30_000) return true;
  const res = await fetch(env.COGNITO_ENDPOINT, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.GetUser' },
    body: JSON.stringify({ AccessToken: token }),
    signal: AbortSignal.timeout(2000),
  });
  if (res.status !== 200) return false;
  current.set(token, Date.now());
  return true;
}

async function ledger(env, sub, op) {
  const stub = env.LEDGER.get(env.LEDGER.idFromName(sub));
  return (await stub.fetch('https://ledger.internal/op', { method: 'POST', body: JSON.stringify(op) })).json();
}

async function issue(request, env, cfg, now) {
  const at = request.headers.get('authorization').slice(7);
  const { payload: user, ok } = await verified(at, cfg.pool);
  if (!ok || !(await stillCurrent(env, at))) return json(401, { error: 'invalid_access_token' });
  await request.text();
  const jti = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const exp = now + cfg.ttl;
  const recorded = await ledger(env, user.sub, { op: 'issue', jti, exp, now, limits: { perMinute: 10_000, live: 10_000 } });
  if (recorded.outcome !== 'recorded') return json(429, { error: 'rate_limited' });
  const { jwk, key } = cfg.sign[0];
  const input = `${text64({ alg: jwk.alg, typ: 'handoff+jwt', kid: jwk.kid })}.${text64({ iss: env.ISSUER, aud: env.AUDIENCES.split(',')[0], sub: user.sub, username: user.username, azp: user.client_id, iat: now, nbf: now, exp, jti })}`;
  const token = `${input}.${b64url(await crypto.subtle.sign(ALGS[jwk.alg], key, enc.encode(input)))}`;
  return json(201, { token, url: `${env.WEB_ORIGIN}${env.LANDING_PATH}#handoff=${token}`, expires_in: cfg.ttl });
}

async function redeem(request, env, ctx, cfg, now) {
  const presented = await crypto.subtle.digest('SHA-256', enc.encode(request.headers.get('authorization').slice(7)));
  if (!cfg.secrets.some((s) => crypto.subtle.timingSafeEqual(presented, s))) return json(401, { error: 'unauthorized' });
  const body = JSON.parse(await request.text());
  const nonce = b64url(await crypto.subtle.digest('SHA-256', enc.encode(body.nonce)));
  const { payload, ok } = await verified(body.token, cfg.verify);
  const burnedBy = await env.BURNS.get(`burned:${payload.jti}`);
  if (!ok || (burnedBy && burnedBy !== nonce)) return json(200, { ok: false, reason: ok ? 'replayed' : 'bad_signature' });
  const { outcome } = await ledger(env, payload.sub, { op: 'redeem', jti: payload.jti, nonce, now });
  if (outcome === 'burned') ctx.waitUntil(env.BURNS.put(`burned:${payload.jti}`, nonce, { expirationTtl: 120 }).catch(() => {}));
  return json(200, outcome === 'burned' || outcome === 'repeated' ? { ok: true } : { ok: false, reason: outcome });
}

/**
 * `n` verifies of one token's signature, already decoded: the WebCrypto call alone, the floor under the verify rows.
 * (Reading the token is the workers' own code: it is what the rows compare.)
 */
async function benchVerify(request, env, cfg, now) {
  const { alg, n } = JSON.parse(await request.text());
  const { jwk, key } = cfg.sign.find((s) => s.jwk.alg === alg);
  const input = enc.encode(`${text64({ alg, typ: 'handoff+jwt', kid: jwk.kid })}.${text64({ iss: env.ISSUER, aud: env.AUDIENCES.split(',')[0], sub: 'bench-sub', username: 'bench', azp: env.MOBILE_CLIENT_IDS.split(',')[0], iat: now, nbf: now, exp: now + cfg.ttl, jti: 'AAECAwQFBgcICQoLDA0ODw' })}`);
  const signature = await crypto.subtle.sign(ALGS[alg], key, input);
  const verifyKey = cfg.verify.get(jwk.kid);
  let ok = 0;
  for (let i = 0; i < Math.min(n, 100_000); i += 1) if (await crypto.subtle.verify(ALGS[alg], verifyKey, signature, input)) ok += 1;
  return json(200, { n, ok });
}

export default {
  async fetch(request, env, ctx) {
    const now = Math.floor(Date.now() / 1000);
    const { pathname } = new URL(request.url);
    let response;
    try {
      const cfg = await config(env);
      if (pathname === '/v1/redeem') response = await redeem(request, env, ctx, cfg, now);
      else if (pathname === '/v1/handoffs') response = await issue(request, env, cfg, now);
      else if (pathname === '/bench/verify') response = await benchVerify(request, env, cfg, now);
      else response = json(200, { ok: true });
    } catch {
      response = json(500, { error: 'internal' });
    }
    console.log(JSON.stringify({ route: pathname, status: response.status }));
    return response;
  },
};
