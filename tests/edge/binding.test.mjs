// Context binding in real workerd (login CSRF defence): a link asked for from one network signs in only from
// that network. `CF-Connecting-IP` is the only client address the edge trusts; Cloudflare sets it in
// production, and here the test sets it, standing in for the phone and for the browser.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE, SECRETS, startCognito, startWorker, testVars, post } from './helper.mjs';

const PHONE = '203.0.113.7';
const ELSEWHERE = '198.51.100.4';
const WEB_ORIGIN = 'https://app.handoff.test';

describe('context binding (CONTEXT_BINDING=ip)', () => {
  let cognito;
  let worker;

  before(async () => {
    cognito = await startCognito();
    worker = await startWorker({ vars: testVars(cognito, { CONTEXT_BINDING: 'ip' }) });
  });
  after(async () => {
    await worker?.stop();
    await cognito?.close();
  });

  async function issueFrom(ip, user = cognito.user()) {
    const at = await cognito.accessToken(user);
    const res = await post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${at}`, headers: { 'cf-connecting-ip': ip } });
    assert.equal(res.status, 201, res.text);
    return { user, token: res.json.token };
  }

  function bindFrom(ip, token) {
    return post(`${worker.url}/v1/bind`, token, { contentType: 'text/plain;charset=UTF-8', headers: { 'cf-connecting-ip': ip, origin: WEB_ORIGIN } });
  }

  function redeem({ user, token }, binding, nonce = 'nonce-1') {
    const body = { token, sub: user.sub, username: user.username, client_id: FIXTURE.audiences[0], nonce };
    if (binding !== undefined) body.binding = binding;
    return post(`${worker.url}/v1/redeem`, body, { auth: `Bearer ${SECRETS.current}` });
  }

  test('the browser on the phone\'s network gets a binding, and the link signs in with it', async () => {
    const link = await issueFrom(PHONE);
    const bind = await bindFrom(PHONE, link.token);
    assert.equal(bind.status, 200, bind.text);
    assert.equal(bind.headers.get('access-control-allow-origin'), WEB_ORIGIN);
    assert.equal(bind.json.expires_in, 60);
    assert.match(bind.json.binding, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.deepEqual((await redeem(link, bind.json.binding)).json, { ok: true });
  });

  test('a link opened on another network: 403 wrong_context at /v1/bind (readable cross-origin), nothing spent', async () => {
    const link = await issueFrom(PHONE);
    const bind = await bindFrom(ELSEWHERE, link.token);
    assert.equal(bind.status, 403, bind.text);
    assert.equal(bind.json.error, 'wrong_context');
    assert.equal(bind.headers.get('access-control-allow-origin'), WEB_ORIGIN, 'the page can read why');
    assert.ok(!bind.text.includes(link.token));
    // The owner's browser still signs in with the same link.
    const own = await bindFrom(PHONE, link.token);
    assert.deepEqual((await redeem(link, own.json.binding)).json, { ok: true });
  });

  test('redeem refuses a missing, forged or other-token binding with bad_binding, and burns nothing', async () => {
    const link = await issueFrom(PHONE);
    const good = (await bindFrom(PHONE, link.token)).json.binding;
    assert.deepEqual((await redeem(link, undefined)).json, { ok: false, reason: 'bad_binding' });
    const [payload, tag] = good.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url'));
    const forged = `${Buffer.from(JSON.stringify({ ...claims, ip: ELSEWHERE })).toString('base64url')}.${tag}`;
    assert.deepEqual((await redeem(link, forged, 'nonce-2')).json, { ok: false, reason: 'bad_binding' });
    const other = await issueFrom(PHONE);
    const otherBinding = (await bindFrom(PHONE, other.token)).json.binding;
    assert.deepEqual((await redeem(link, otherBinding, 'nonce-3')).json, { ok: false, reason: 'bad_binding' });
    assert.deepEqual((await redeem(link, good, 'nonce-4')).json, { ok: true }, 'nothing was burned by the refusals');
  });

  test('/v1/bind answers a preflight and refuses bad bodies with reason codes', async () => {
    const pre = await fetch(`${worker.url}/v1/bind`, { method: 'OPTIONS', headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), WEB_ORIGIN);
    const json = await post(`${worker.url}/v1/bind`, { token: 'x' }, { headers: { 'cf-connecting-ip': PHONE } });
    assert.equal(json.status, 415);
    assert.equal((await bindFrom(PHONE, 'not-a-token')).json.error, 'malformed');
    // Without the test's header the local runtime supplies its own client address (loopback), as Cloudflare
    // always supplies the real one: not the phone's, so wrong_context.
    const link = await issueFrom(PHONE);
    const loopback = await post(`${worker.url}/v1/bind`, link.token, { contentType: 'text/plain' });
    assert.equal(loopback.status, 403, loopback.text);
  });
});

describe('context binding off', () => {
  test('/v1/bind is 404 and redeem needs no binding', async () => {
    const cognito = await startCognito();
    const worker = await startWorker({ vars: testVars(cognito, { CONTEXT_BINDING: 'off' }) });
    try {
      const user = cognito.user();
      const at = await cognito.accessToken(user);
      const issued = await post(`${worker.url}/v1/handoffs`, {}, { auth: `Bearer ${at}` });
      const bind = await post(`${worker.url}/v1/bind`, issued.json.token, { contentType: 'text/plain' });
      assert.equal(bind.status, 404);
      const body = { token: issued.json.token, sub: user.sub, username: user.username, client_id: FIXTURE.audiences[0], nonce: 'n' };
      assert.deepEqual((await post(`${worker.url}/v1/redeem`, body, { auth: `Bearer ${SECRETS.current}` })).json, { ok: true });
    } finally {
      await worker.stop();
      await cognito.close();
    }
  });
});
