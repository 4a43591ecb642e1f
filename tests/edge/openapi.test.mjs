// docs/openapi.json against the edge as it is: the document is valid OpenAPI 3.1; its reason codes, statuses and
// routes are exactly the ones the Rust sources define (core/src/reason.rs, edge/src/error.rs, core/src/wire.rs, edge/src/request.rs);
// and one real worker in workerd answers every documented operation with a status the document lists for it and a
// body its schema accepts, carrying exactly the fields the schema requires (and the headers it requires).

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ROOT, FIXTURE, SECRETS, startCognito, startWorker, testVars, signHandoff, handoffClaims } from './helper.mjs';

const doc = JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8'));
const source = (...parts) => readFileSync(join(ROOT, ...parts), 'utf8');

// ---------------------------------------------------------------------------------------------------------------
// A schema-subset checker: $ref (local), allOf, oneOf, const, enum, type, required, properties,
// additionalProperties (false or a schema), items, minItems, min/maxLength, pattern, minimum/maximum, maxProperties.

function pointer(ref) {
  assert.ok(ref.startsWith('#/'), `only local $refs: ${ref}`);
  const node = ref.slice(2).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((n, k) => (n === undefined ? undefined : n[k]), doc);
  assert.ok(node !== undefined, `dangling $ref ${ref}`);
  return node;
}

function resolve(node) {
  let seen = 0;
  while (node && node.$ref) {
    node = pointer(node.$ref);
    assert.ok((seen += 1) < 20, 'a $ref cycle');
  }
  return node;
}

const TYPES = {
  object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  array: Array.isArray,
  string: (v) => typeof v === 'string',
  integer: Number.isInteger,
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
};

const KNOWN = new Set([
  '$ref', 'allOf', 'oneOf', 'const', 'enum', 'type', 'required', 'properties', 'additionalProperties', 'items',
  'minItems', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'maxProperties',
  // Annotations only.
  'description', 'title', 'examples', 'format',
]);

/** The problems of `value` under `schema` (empty: it passes). */
function check(schema, value, at = '$') {
  schema = resolve(schema);
  const unknown = Object.keys(schema).filter((k) => !KNOWN.has(k));
  assert.deepEqual(unknown, [], `${at}: the checker does not know ${unknown.join(', ')}: extend it`);
  const problems = [];
  for (const part of schema.allOf ?? []) problems.push(...check(part, value, at));
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((s) => check(s, value, at).length === 0).length;
    if (passing !== 1) problems.push(`${at}: matches ${passing} of oneOf's ${schema.oneOf.length} schemas`);
  }
  if ('const' in schema && !isDeepStrictEqual(value, schema.const)) problems.push(`${at}: is not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.some((e) => isDeepStrictEqual(e, value))) problems.push(`${at}: ${JSON.stringify(value)} is not in the enum`);
  if (schema.type && !TYPES[schema.type](value)) {
    problems.push(`${at}: is not of type ${schema.type}`);
    return problems;
  }
  if (TYPES.object(value)) {
    for (const name of schema.required ?? []) if (!(name in value)) problems.push(`${at}: lacks required ${name}`);
    const properties = schema.properties ?? {};
    for (const [name, v] of Object.entries(value)) {
      if (properties[name]) problems.push(...check(properties[name], v, `${at}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: has undeclared ${name}`);
      else if (schema.additionalProperties) problems.push(...check(schema.additionalProperties, v, `${at}.${name}`));
    }
    if (schema.maxProperties !== undefined && Object.keys(value).length > schema.maxProperties) problems.push(`${at}: too many members`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((item, i) => problems.push(...check(schema.items, item, `${at}[${i}]`)));
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) problems.push(`${at}: does not match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: above ${schema.maximum}`);
  }
  return problems;
}

/** The members `schema` requires of `value` (allOf: all parts; oneOf: the branch `value` matches). */
function requiredOf(schema, value) {
  schema = resolve(schema);
  const names = new Set(schema.required ?? []);
  for (const part of schema.allOf ?? []) for (const n of requiredOf(part, value)) names.add(n);
  if (schema.oneOf) {
    const branch = schema.oneOf.find((s) => check(s, value).length === 0);
    if (branch) for (const n of requiredOf(branch, value)) names.add(n);
  }
  return [...names];
}

test('the checker itself: it catches what it claims to', () => {
  const error = { allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { error: { enum: ['not_found'] } } }] };
  assert.deepEqual(check(error, { error: 'not_found', message: 'x' }), []);
  assert.equal(check(error, { error: 'expired', message: 'x' }).length, 1, 'narrowed enum');
  assert.equal(check(error, { error: 'no_such_code', message: 'x' }).length, 2, 'outside ReasonCode too');
  assert.equal(check(error, { error: 'not_found' }).length, 1, 'required');
  assert.equal(check(error, { error: 'not_found', message: 'x', token: 't' }).length, 1, 'additionalProperties false');
  assert.equal(check(error, { error: 'not_found', message: 5 }).length, 1, 'type');
  const redeem = { $ref: '#/components/schemas/RedeemAnswer' };
  assert.deepEqual(check(redeem, { ok: true }), []);
  assert.deepEqual(check(redeem, { ok: false, reason: 'replayed' }), []);
  assert.equal(check(redeem, { ok: false }).length, 1, 'oneOf: no branch');
  assert.equal(check(redeem, { ok: true, reason: 'replayed' }).length, 1, 'oneOf: extra member');
  assert.deepEqual(requiredOf(redeem, { ok: false, reason: 'revoked' }).sort(), ['ok', 'reason']);
  assert.deepEqual(requiredOf(error, {}).sort(), ['error', 'message']);
  assert.equal(check({ $ref: '#/components/schemas/Jwks' }, { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'a', kid: 'k', alg: 'EdDSA', use: 'sig', d: 'secret' }] }).length, 1, 'a private member');
});

// ---------------------------------------------------------------------------------------------------------------
// The document on its own, and against the Rust sources.

/** `body` of the first `{ ... }` block after `head` in `text` (brace-matched). */
function block(text, head) {
  const start = text.indexOf(head);
  assert.ok(start >= 0, `no ${head}`);
  const open = text.indexOf('{', start);
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    if (text[i] === '}' && (depth -= 1) === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced ${head}`);
}

/** core's reasons (the `reasons!` table: variant = code) with the edge's HTTP status for each (`http_status`). */
function rustReasons() {
  const text = source('core', 'src', 'reason.rs');
  const table = [...block(text, 'reasons! {').matchAll(/^\s+([A-Z]\w*) = "([a-z_]+)",\s*$/gm)];
  const variants = table.map((m) => m[1]);
  assert.ok(variants.length >= 30, `only ${variants.length} Reason variants parsed`);
  const codes = Object.fromEntries(table.map((m) => [m[1], m[2]]));
  const statusBlock = block(source('edge', 'src', 'error.rs'), 'pub const fn http_status');
  const statuses = {};
  for (const [, arms, status] of statusBlock.matchAll(/((?:Reason::\w+\s*\|?\s*)+)=>\s*(\d{3})/g)) {
    for (const [, v] of arms.matchAll(/Reason::(\w+)/g)) statuses[v] = Number(status);
  }
  for (const v of Object.keys(statuses)) assert.ok(variants.includes(v), `http_status names ${v}, which core does not`);
  const fallback = Number(statusBlock.match(/_\s*=>\s*(\d{3})/)[1]);
  return Object.fromEntries(variants.map((v) => [v, { code: codes[v], status: statuses[v] ?? fallback }]));
}

/** Every `[status, codes]` an error response of the document declares, with where. */
function documentedErrors() {
  const out = [];
  const fromResponse = (where, status, response) => {
    response = resolve(response);
    const schema = response.content?.['application/json']?.schema;
    if (!schema || Number(status) < 300) return;
    const narrowed = schema.allOf?.find((p) => p.properties?.error?.enum)?.properties.error.enum;
    assert.ok(narrowed, `${where} ${status}: an error answer must narrow Error's code to an enum`);
    assert.equal(resolve(schema.allOf[0]), doc.components.schemas.Error, `${where} ${status}: built on Error`);
    out.push({ where, status: Number(status), codes: narrowed });
  };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      for (const [status, response] of Object.entries(op.responses)) fromResponse(`${method.toUpperCase()} ${path}`, status, response);
    }
  }
  for (const [status, response] of Object.entries(doc['x-unrouted-responses'])) fromResponse('unrouted', status, response);
  return out;
}

describe('the document', () => {
  test('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    assert.equal(validator.version, '3.1');
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
  });

  test('its reason codes are exactly core\'s Reason codes, each under the status core gives it', () => {
    const reasons = Object.values(rustReasons());
    const rustCodes = reasons.map((r) => r.code).sort();
    assert.deepEqual([...doc.components.schemas.ReasonCode.enum].sort(), rustCodes);
    const statusOf = Object.fromEntries(reasons.map((r) => [r.code, r.status]));
    const answered = new Set();
    for (const { where, status, codes } of documentedErrors()) {
      for (const code of codes) {
        assert.ok(code in statusOf, `${where} ${status}: ${code} is no Reason code`);
        assert.equal(status, statusOf[code], `${where}: ${code} is answered with ${statusOf[code]}, documented under ${status}`);
        answered.add(code);
      }
    }
    const refusals = doc.components.schemas.RedeemRefusalReason.enum;
    for (const code of refusals) {
      assert.ok(code in statusOf, `RedeemRefusalReason ${code} is no Reason code`);
      answered.add(code);
    }
    assert.deepEqual(rustCodes.filter((c) => !answered.has(c)), [], 'codes no operation documents');
    // The reason table in the description lists every code with its status.
    for (const { code, status } of reasons) assert.match(doc.info.description, new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });

  test('its operations are exactly the routes of a production build (no benchmark route)', () => {
    const wire = source('core', 'src', 'wire.rs');
    const paths = Object.fromEntries([...wire.matchAll(/pub const (\w+_PATH): &str = "([^"]+)";/g)].map((m) => [m[1], m[2]]));
    const request = source('edge', 'src', 'request.rs');
    const start = request.indexOf('const ROUTES');
    assert.ok(start >= 0, 'no ROUTES table in edge/src/request.rs');
    const table = request.slice(start, request.indexOf('];', start));
    const routes = [];
    let benchOnly = false;
    for (const line of table.split('\n')) {
      if (line.includes('#[cfg(feature = "bench")]')) { benchOnly = true; continue; }
      const m = line.match(/\((\w+_PATH),\s*"([A-Z]+)",\s*Route::\w+\)/);
      if (!m) continue;
      if (!benchOnly) {
        assert.ok(paths[m[1]], `${m[1]} is not in core/src/wire.rs`);
        routes.push(`${m[2]} ${paths[m[1]]}`);
      }
      benchOnly = false;
    }
    assert.match(request, /path == BIND_PATH && method == "OPTIONS"/, 'the /v1/bind preflight route');
    routes.push(`OPTIONS ${paths.BIND_PATH}`);
    const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    assert.deepEqual(documented.sort(), routes.sort());
    assert.ok(!JSON.stringify(doc.paths).includes('bench'));
    assert.equal(doc.paths[paths.REDEEM_PATH].post['x-internal'], true, 'redeem is documented as internal');
    assert.deepEqual(doc.paths[paths.REDEEM_PATH].post.security, [{ redeemSecret: [] }]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real worker (context binding `ip`, so /v1/bind is served; default rate limits).

const PHONE = '203.0.113.7';
const ELSEWHERE = '198.51.100.4';
let cognito;
let worker;
/** `METHOD path status` of every answer checked, for the coverage test at the end. */
const covered = new Set();

before(async () => {
  cognito = await startCognito();
  worker = await startWorker({ vars: testVars(cognito, { CONTEXT_BINDING: 'ip' }) });
});

after(async () => {
  await worker?.stop();
  await cognito?.close();
});

/** Sends a request; `body` is sent as is (strings) or as JSON (objects). */
async function send(method, path, { body, auth, contentType, headers = {} } = {}) {
  const h = { ...headers };
  if (auth) h.authorization = auth;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['content-type'] = contentType === undefined ? (typeof body === 'string' ? 'text/plain' : 'application/json') : contentType;
    if (h['content-type'] === null) delete h['content-type'];
  } else if (contentType) {
    h['content-type'] = contentType;
  }
  const res = await fetch(`${worker.url}${path}`, { method, headers: h, body: payload });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

/**
 * Checks an answer against the document: the status is one the operation lists (`expect` pins it), every header
 * the response declares as required is there and fits its schema, the body fits the schema and has exactly the
 * members it requires. Returns the parsed body.
 */
function conforms(res, method, path, expect) {
  if (expect !== undefined) assert.equal(res.status, expect, `${method} ${path}: ${res.text}`);
  const op = doc.paths[path]?.[method.toLowerCase()];
  const responses = op ? op.responses : doc['x-unrouted-responses'];
  const where = op ? `${method} ${path}` : `unrouted ${method} ${path}`;
  assert.ok(String(res.status) in responses, `${where}: ${res.status} is not documented (${Object.keys(responses)})`);
  const response = resolve(responses[res.status]);
  for (const [name, declared] of Object.entries(response.headers ?? {})) {
    const header = resolve(declared);
    const value = res.headers.get(name);
    if (header.required) assert.notEqual(value, null, `${where} ${res.status}: no ${name} header`);
    if (value === null) continue;
    const typed = header.schema.type === 'integer' && /^\d+$/.test(value) ? Number(value) : value;
    assert.deepEqual(check(header.schema, typed, name), [], `${where} ${res.status}: ${name}: ${value}`);
  }
  covered.add(`${op ? method : 'unrouted'} ${op ? path : ''} ${res.status}`.replace('  ', ' '));
  if (!response.content) {
    assert.equal(res.text, '', `${where} ${res.status}: a body where none is documented`);
    return undefined;
  }
  const [mediaType, { schema }] = Object.entries(response.content)[0];
  assert.equal(res.headers.get('content-type'), mediaType, `${where} ${res.status}`);
  const body = JSON.parse(res.text);
  assert.deepEqual(check(schema, body), [], `${where} ${res.status}: ${res.text}`);
  assert.deepEqual(Object.keys(body).sort(), requiredOf(schema, body).sort(), `${where} ${res.status}: members beyond the required ones`);
  return body;
}

const expectError = (res, method, path, status, code) => {
  const body = conforms(res, method, path, status);
  assert.equal(body.error, code, `${method} ${path}`);
  return body;
};

async function bearer(user = cognito.user()) {
  return `Bearer ${await cognito.accessToken(user)}`;
}

async function issue(user, { from = PHONE, body = {} } = {}) {
  const res = await send('POST', '/v1/handoffs', { body, auth: await bearer(user), headers: { 'cf-connecting-ip': from } });
  return conforms(res, 'POST', '/v1/handoffs', 201).token;
}

const bind = (token, from = PHONE, contentType = 'text/plain;charset=UTF-8') =>
  send('POST', '/v1/bind', { body: token, contentType, headers: { 'cf-connecting-ip': from, origin: 'https://app.handoff.test' } });

function redeem(token, user, { binding, nonce = 'nonce-1', auth = `Bearer ${SECRETS.current}` } = {}) {
  const body = { token, sub: user.sub, username: user.username, client_id: FIXTURE.audiences[0], nonce };
  if (binding !== undefined) body.binding = binding;
  return send('POST', '/v1/redeem', { body, auth });
}

describe('the real worker answers as documented', () => {
  test('GET /healthz and GET /.well-known/jwks.json', async () => {
    assert.deepEqual(conforms(await send('GET', '/healthz'), 'GET', '/healthz', 200), { ok: true });
    const jwks = conforms(await send('GET', '/.well-known/jwks.json'), 'GET', '/.well-known/jwks.json', 200);
    assert.deepEqual(jwks.keys.map((k) => k.kid), [FIXTURE.edKid, FIXTURE.rsaKid]);
  });

  test('issue, bind and redeem: the success answers, then replayed', async () => {
    const user = cognito.user('alice');
    const token = await issue(user, { body: { redirect: '/orders/42' } });
    // No body and no Content-Type: documented as allowed.
    const empty = await send('POST', '/v1/handoffs', { auth: await bearer(), headers: { 'cf-connecting-ip': PHONE } });
    conforms(empty, 'POST', '/v1/handoffs', 201);
    conforms(await send('OPTIONS', '/v1/bind', { headers: { origin: 'https://app.handoff.test', 'access-control-request-method': 'POST' } }), 'OPTIONS', '/v1/bind', 204);
    const { binding } = conforms(await bind(token), 'POST', '/v1/bind', 200);
    assert.deepEqual(conforms(await redeem(token, user, { binding }), 'POST', '/v1/redeem', 200), { ok: true });
    assert.deepEqual(conforms(await redeem(token, user, { binding }), 'POST', '/v1/redeem', 200), { ok: true }, 'same nonce');
    const again = conforms(await redeem(token, user, { binding, nonce: 'nonce-2' }), 'POST', '/v1/redeem', 200);
    assert.deepEqual(again, { ok: false, reason: 'replayed' });
  });

  test('bind refusals: another network, not a token, an expired token, JSON', async () => {
    const token = await issue(cognito.user());
    expectError(await bind(token, ELSEWHERE), 'POST', '/v1/bind', 403, 'wrong_context');
    expectError(await bind('not-a-token'), 'POST', '/v1/bind', 400, 'malformed');
    expectError(await bind(`${token}.${'x'.repeat(4096)}`), 'POST', '/v1/bind', 400, 'token_too_large');
    const now = Math.floor(Date.now() / 1000);
    const expired = await signHandoff(handoffClaims(cognito.user(), { iat: now - 120, nbf: now - 120, exp: now - 60 }));
    expectError(await bind(expired), 'POST', '/v1/bind', 400, 'expired');
    expectError(await bind(JSON.stringify({ token }), PHONE, 'application/json'), 'POST', '/v1/bind', 415, 'unsupported_media_type');
    expectError(await bind('x'.repeat(9000)), 'POST', '/v1/bind', 413, 'payload_too_large');
  });

  test('redeem refusals: no binding, revoked, never issued', async () => {
    const user = cognito.user();
    const token = await issue(user);
    assert.deepEqual(conforms(await redeem(token, user), 'POST', '/v1/redeem', 200), { ok: false, reason: 'bad_binding' });
    const revoked = await send('POST', '/v1/revoke', { auth: await bearer(user) });
    assert.deepEqual(conforms(revoked, 'POST', '/v1/revoke', 200), { revoked: 1 });
    assert.deepEqual(conforms(await redeem(token, user), 'POST', '/v1/redeem', 200), { ok: false, reason: 'revoked' });
    const stranger = cognito.user();
    const foreign = await signHandoff(handoffClaims(stranger));
    assert.deepEqual(conforms(await redeem(foreign, stranger), 'POST', '/v1/redeem', 200), { ok: false, reason: 'unknown_token' });
  });

  test('redeem request errors: credential, JSON, content type', async () => {
    const user = cognito.user();
    const token = await signHandoff(handoffClaims(user));
    expectError(await redeem(token, user, { auth: 'Bearer wrong-secret-0123456789' }), 'POST', '/v1/redeem', 401, 'unauthorized');
    expectError(await redeem(token, user, { auth: null }), 'POST', '/v1/redeem', 401, 'unauthorized');
    const auth = `Bearer ${SECRETS.current}`;
    expectError(await send('POST', '/v1/redeem', { body: '{"token": ', contentType: 'application/json', auth }), 'POST', '/v1/redeem', 400, 'bad_request');
    expectError(await send('POST', '/v1/redeem', { body: { token, extra: 1 }, auth }), 'POST', '/v1/redeem', 400, 'bad_request');
    expectError(await send('POST', '/v1/redeem', { body: JSON.stringify({ token }), contentType: 'text/plain', auth }), 'POST', '/v1/redeem', 415, 'unsupported_media_type');
  });

  test('issue errors: credential, revoked access token, JSON, redirect, content type, size, Cognito down', async () => {
    const path = '/v1/handoffs';
    expectError(await send('POST', path, { body: {} }), 'POST', path, 401, 'unauthorized');
    expectError(await send('POST', path, { body: {}, auth: 'Bearer not.an.access-token' }), 'POST', path, 401, 'invalid_access_token');
    const signedOut = await cognito.accessToken(cognito.user());
    cognito.state.revoked.add(signedOut);
    expectError(await send('POST', path, { body: {}, auth: `Bearer ${signedOut}` }), 'POST', path, 401, 'access_token_revoked');
    expectError(await send('POST', path, { body: '{', contentType: 'application/json', auth: await bearer() }), 'POST', path, 400, 'bad_request');
    expectError(await send('POST', path, { body: { redirect: '/admin' }, auth: await bearer() }), 'POST', path, 400, 'bad_redirect');
    expectError(await send('POST', path, { body: '{}', contentType: 'text/plain', auth: await bearer() }), 'POST', path, 415, 'unsupported_media_type');
    expectError(await send('POST', path, { body: { redirect: `/orders/${'a'.repeat(9000)}` }, auth: await bearer() }), 'POST', path, 413, 'payload_too_large');
    cognito.state.getUserFails = true;
    try {
      expectError(await send('POST', path, { body: {}, auth: await bearer() }), 'POST', path, 503, 'unavailable');
    } finally {
      cognito.state.getUserFails = false;
    }
  });

  test('issue rate limit: 429 with Retry-After', async () => {
    const user = cognito.user();
    for (let i = 0; i < 3; i += 1) await issue(user);
    const res = await send('POST', '/v1/handoffs', { body: {}, auth: await bearer(user), headers: { 'cf-connecting-ip': PHONE } });
    expectError(res, 'POST', '/v1/handoffs', 429, 'rate_limited');
    assert.ok(Number(res.headers.get('retry-after')) <= 60);
  });

  test('revoke errors: credential, JSON, content type', async () => {
    expectError(await send('POST', '/v1/revoke', { body: {} }), 'POST', '/v1/revoke', 401, 'unauthorized');
    expectError(await send('POST', '/v1/revoke', { body: {}, auth: 'Bearer garbage' }), 'POST', '/v1/revoke', 401, 'invalid_access_token');
    expectError(await send('POST', '/v1/revoke', { body: { all: true }, auth: await bearer() }), 'POST', '/v1/revoke', 400, 'bad_request');
    expectError(await send('POST', '/v1/revoke', { body: '{}', contentType: 'text/plain', auth: await bearer() }), 'POST', '/v1/revoke', 415, 'unsupported_media_type');
  });

  test('unrouted requests: 404 and 405 with Allow', async () => {
    for (const path of ['/v1/nope', '/v1/handoffs/', '/bench/verify', '/']) {
      expectError(await send('POST', path), 'POST', path, 404, 'not_found');
    }
    for (const [method, path, allow] of [['GET', '/v1/handoffs', 'POST'], ['POST', '/healthz', 'GET, HEAD'], ['HEAD', '/v1/handoffs', 'POST'], ['DELETE', '/v1/redeem', 'POST']]) {
      const res = await send(method, path);
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get('allow'), allow);
      if (method !== 'HEAD') expectError(res, method, path, 405, 'method_not_allowed');
    }
  });

  test('HEAD on a GET path: the GET answer\'s status and headers, no body', async () => {
    for (const path of ['/healthz', '/.well-known/jwks.json']) {
      const [head, get] = [await send('HEAD', path), await send('GET', path)];
      assert.equal(head.status, get.status, `HEAD ${path}`);
      assert.equal(head.text, '');
      for (const name of ['content-type', 'cache-control']) assert.equal(head.headers.get(name), get.headers.get(name), name);
    }
  });

  // Last: what the tests above drove.
  test('every operation was driven through its success answer and the representative errors', () => {
    const operations = Object.entries(doc.paths).flatMap(([p, item]) => Object.entries(item).map(([m, op]) => [m.toUpperCase(), p, op]));
    for (const [method, path, op] of operations) {
      const success = Object.keys(op.responses).find((s) => s.startsWith('2'));
      assert.ok(covered.has(`${method} ${path} ${success}`), `${method} ${path} ${success} was not driven`);
    }
    const representative = [
      'POST /v1/handoffs 400', 'POST /v1/handoffs 401', 'POST /v1/handoffs 413', 'POST /v1/handoffs 415',
      'POST /v1/handoffs 429', 'POST /v1/handoffs 503', 'POST /v1/revoke 400', 'POST /v1/revoke 401',
      'POST /v1/revoke 415', 'POST /v1/bind 400', 'POST /v1/bind 403', 'POST /v1/bind 413', 'POST /v1/bind 415',
      'POST /v1/redeem 400', 'POST /v1/redeem 401', 'POST /v1/redeem 415', 'unrouted 404', 'unrouted 405',
    ];
    assert.deepEqual(representative.filter((k) => !covered.has(k)), []);
  });
});
