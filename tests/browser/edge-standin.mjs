// A tiny loopback stand-in for the edge's context binding endpoint, `POST /v1/bind`, answering the way the edge's
// contract says: the body is the handoff token (text/plain: a CORS simple request, so no preflight), the answer
// carries `Access-Control-Allow-Origin` = the web origin, and
//   ok             200 {"binding": "<base64url and dots>", "expires_in": 60}
//   wrong_context  403 {"error": "wrong_context", "message": "..."}
//   off            404 {"error": "not_found", ...} (binding off at the edge)
//   down           no answer (the connection is dropped)
// It records every request (preflights included: the page must send none) with the headers a test checks.

import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

function jtiOf(token) {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).jti ?? null;
  } catch {
    return null;
  }
}

/** Starts the stand-in. Set `state.webOrigin` (the allowed origin) and `state.mode` before use. */
export async function startEdge({ mode = 'ok', webOrigin = null } = {}) {
  const state = {
    mode,
    webOrigin,
    requests: [], // {method, path, origin, referer, cookie, contentType, secFetchMode, body}
    issued: [], // {jti, binding}
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const path = new URL(req.url, 'http://edge').pathname;
      state.requests.push({
        method: req.method,
        path,
        origin: req.headers.origin ?? null,
        referer: req.headers.referer ?? null,
        cookie: req.headers.cookie ?? null,
        contentType: req.headers['content-type'] ?? null,
        secFetchMode: req.headers['sec-fetch-mode'] ?? null,
        body: raw,
      });
      if (state.mode === 'down') {
        req.socket.destroy();
        return;
      }
      // Only the web origin may read the answer; a preflight is never approved (the page must not need one).
      const cors = req.headers.origin === state.webOrigin
        ? { 'Access-Control-Allow-Origin': state.webOrigin, Vary: 'Origin' }
        : { Vary: 'Origin' };
      const answer = (status, body) => {
        res.writeHead(status, { ...cors, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'OPTIONS') {
        res.writeHead(204, cors).end();
        return;
      }
      if (req.method !== 'POST' || path !== '/v1/bind') {
        answer(404, { error: 'not_found', message: 'no such route' });
        return;
      }
      if (state.mode === 'off') {
        answer(404, { error: 'not_found', message: 'context binding is off' });
        return;
      }
      const jti = jtiOf(raw);
      if (!jti) {
        answer(400, { error: 'malformed', message: 'not a handoff token' });
        return;
      }
      if (state.mode === 'wrong_context') {
        answer(403, { error: 'wrong_context', message: 'this browser is not where the link was asked for' });
        return;
      }
      const binding = `bind.${Buffer.from(jti).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
      state.issued.push({ jti, binding });
      answer(200, { binding, expires_in: 60 });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    state,
    binds: () => state.requests.filter((r) => r.method === 'POST' && r.path === '/v1/bind'),
    preflights: () => state.requests.filter((r) => r.method === 'OPTIONS'),
    reset: (mode = 'ok') => {
      state.mode = mode;
      state.requests.length = 0;
      state.issued.length = 0;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(resolve);
    }),
  };
}
