// Starts the landing page. Inlined into the page's <head> at build time (www/site.mjs `inlineBoot`), as an async
// module: it runs as soon as the HTML has arrived, without a request of its own and without waiting for the
// stylesheet; the CSP allows exactly this script by its hash, so it stays `script-src 'self'` plus that hash.
// First of all, the fragment (the token) leaves the address bar and the history entry, before the page's wasm is
// even requested. The page takes it from `handoffFragment` (and deletes it) when it starts.

// Declared before the code below runs, which uses them. An https origin, or http on 127.0.0.1 or localhost, with an
// optional port and slash: nothing else.
const PLAIN_ORIGIN = /^(https:\/\/[\w.-]+|http:\/\/(127\.0\.0\.1|localhost))(:\d{1,5})?\/?$/;
// The configuration members `plainConfig` checks.
const PLAIN_MEMBERS = new Set(['region', 'userPoolId', 'clientId', 'cognitoEndpoint', 'redirectAllowlist',
  'defaultRedirect', 'appReturnUrl', 'otherSignInUrl', 'edgeUrl', 'storage']);
const COGNITO = 'AWSCognitoIdentityProviderService.';
const COGNITO_HEADERS = (operation) => ({ 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': COGNITO + operation });

const hash = location.hash;
if (hash) {
  history.replaceState(null, '', location.pathname + location.search);
  globalThis.handoffFragment = hash;
  startEarlyCalls(hash);
  // For the page, which calls it when it stops short of signing in (set before the page's code runs).
  globalThis.handoffRevokeEarly = revokeEarlySession;
}

// The page's screens, its second wasm (Leptos): loaded only when the sign-in stops short of the web app and hands
// a screen over (web-client/src/signin.rs). The happy path never downloads them.
globalThis.handoffScreens = async () => {
  try {
    const { default: init } = await import('/handoff/screens.js');
    await init(); // runs the screens' `main`, which takes the handover
  } catch {
    couldNotStart();
  }
};

try {
  // An async script may run before the <body> is parsed; the page's code needs it (its loading line, its screens).
  if (document.readyState === 'loading') {
    await new Promise((parsed) => document.addEventListener('DOMContentLoaded', parsed, { once: true }));
  }
  const { default: init } = await import('/handoff/handoff.js');
  await init(); // runs the sign-in's `main`
} catch {
  couldNotStart();
}

// The page's code never started: a session signed in early is nobody's, so it ends here (its refresh token
// revoked), and the loading line says what to do.
function couldNotStart() {
  revokeEarlySession();
  const status = document.getElementById('handoff-loading');
  if (status) {
    status.textContent = 'This browser could not start the sign-in page. Go back to the app and sign in another way.';
  }
}

// The two Cognito calls, sent now, while the page's code is still downloading, and left in `handoffEarly`:
// `InitiateAuth` (and with an edge its bind call) at once, then `RespondToAuthChallenge` as soon as those have
// answered, as the page would send it (web-client/src/flow.rs `sign_in`). The page adopts an answer only if it
// would have sent exactly that request itself (web-client/src/early.rs). They are sent only for a link the page
// will certainly accept (a subset of its checks, web-client/src/link.rs) and when no session is stored for this
// client: the page asks before replacing a user, and nothing goes out before it asks. InitiateAuth spends
// nothing; RespondToAuthChallenge spends the link, so a session it signs in that the page does not take (the page
// stopped before its own second call, or never started) is ended: its refresh token is revoked
// (web-client/src/signin.rs `stop`, `revokeEarlySession` below).
function startEarlyCalls(hash) {
  try {
    const found = hash.slice(1).split('&').filter((p) => p.startsWith('handoff='));
    const token = found.length === 1 ? found[0].slice('handoff='.length) : '';
    const parts = token.split('.');
    if (token.length > 4096 || parts.length !== 3 || !/^[\w-]+$/.test(parts[1])) return;
    const config = JSON.parse(document.getElementById('handoff-config').textContent);
    const claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(atob(parts[1].replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
    const clientId = config.clientId;
    if (!plainConfig(config) || !plainClaims(claims, clientId) || !plainRedirect(claims.redirect, config.redirectAllowlist)) return;
    const key = `CognitoIdentityServiceProvider.${clientId}.LastAuthUser`;
    if (localStorage.getItem(key) !== null || sessionStorage.getItem(key) !== null) return;
    if (document.cookie.split('; ').some((c) => c.startsWith(`${key}=`))) return;
    const endpoint = cognitoEndpoint(config);
    if (!endpoint) return;
    const body = JSON.stringify({ AuthFlow: 'CUSTOM_AUTH', ClientId: clientId, AuthParameters: { USERNAME: claims.username } });
    const early = { initiateAuth: post(endpoint, COGNITO_HEADERS('InitiateAuth'), body) };
    // With an edge, its context binding call too (web-client/src/binding.rs), which the page otherwise sends
    // alongside InitiateAuth: RespondToAuthChallenge waits for it.
    const bind = bindUrl(config.edgeUrl);
    if (bind) early.bind = post(bind, { 'Content-Type': 'text/plain;charset=UTF-8' }, token);
    // A promise of the second call (null when boot.js does not send it); the page awaits it before its own.
    early.respond = Promise.all([early.initiateAuth.reply, early.bind?.reply.catch(() => null)])
      .then(([first, bound]) => respondEarly(endpoint, clientId, claims.username, token, first, bound))
      .catch(() => null);
    early.clientId = clientId;
    early.endpoint = endpoint;
    globalThis.handoffEarly = early;
  } catch {
    // Anything unexpected: the page makes the call itself.
  }
}

// `RespondToAuthChallenge` with the link as the answer, exactly as the page would send it after `first` (the answer
// of InitiateAuth) and `bound` (the edge's answer to the bind call, or null), or null where the page would not send
// it: InitiateAuth refused or not a CUSTOM_CHALLENGE with a session (web-client/src/flow.rs `sign_in`), the edge
// saying the browser is in another context (web-client/src/binding.rs `Binding::from_reply`), or an answer the
// page's stricter reader might refuse. The body's bytes are core's (`respond_body_bound`; web-client/src/early.rs
// tests hold both writings side by side).
function respondEarly(endpoint, clientId, linkUsername, token, first, bound) {
  if (first.status < 200 || first.status >= 300) return null;
  const answer = JSON.parse(first.body);
  const strings = (o) => o === undefined || (o !== null && typeof o === 'object' && !Array.isArray(o)
    && Object.values(o).every((v) => typeof v === 'string'));
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer) || answer.ChallengeName !== 'CUSTOM_CHALLENGE'
    || typeof answer.Session !== 'string' || !strings(answer.ChallengeParameters) || answer.AuthenticationResult != null) {
    return null;
  }
  const username = answer.ChallengeParameters?.USERNAME || linkUsername;
  let proof = null;
  if (bound) {
    let said = null;
    try {
      said = JSON.parse(bound.body);
    } catch {
      // not JSON: no binding (the page sends the answer without one)
    }
    const text = (v) => v === undefined || v === null || typeof v === 'string';
    if (said !== null && typeof said === 'object' && !Array.isArray(said) && text(said.binding) && text(said.error)) {
      if (bound.status === 403 && said.error === 'wrong_context') return null; // the page stops: another device
      if (bound.status === 200 && typeof said.binding === 'string' && /^[\w.-]{1,1024}$/.test(said.binding)) proof = said.binding;
    } else if (Array.isArray(said)) {
      return null; // an answer only the page's reader reads the same way
    }
  }
  const body = JSON.stringify({
    ChallengeName: 'CUSTOM_CHALLENGE',
    ClientId: clientId,
    Session: answer.Session,
    ChallengeResponses: { ANSWER: token, USERNAME: username },
    ...(proof === null ? {} : { ClientMetadata: { handoff_binding: proof } }),
  });
  return post(endpoint, COGNITO_HEADERS('RespondToAuthChallenge'), body);
}

// Ends the session the early RespondToAuthChallenge signed in, if any, when the page cannot take it: its refresh
// token revoked at Cognito (as web-client/src/flow.rs `end_session` does), the tokens dropped.
async function revokeEarlySession() {
  const early = globalThis.handoffEarly;
  const respond = await early?.respond;
  delete globalThis.handoffEarly;
  const reply = respond ? await respond.reply.catch(() => null) : null;
  let refresh = null;
  try {
    refresh = reply?.status === 200 ? JSON.parse(reply.body).AuthenticationResult?.RefreshToken : null;
  } catch {
    // no tokens in it
  }
  if (typeof refresh !== 'string') return;
  post(early.endpoint, COGNITO_HEADERS('RevokeToken'), JSON.stringify({ Token: refresh, ClientId: early.clientId }));
}
// A POST as the page sends it (web-client/src/browser.rs `send`): CORS, no cookies, no Referer, 20 s at most. The
// page reads `reply` as it reads its own answers; `target` names the call (empty for the bind call).
function post(url, headers, body) {
  const reply = fetch(url, {
    method: 'POST',
    mode: 'cors',
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
    headers,
    body,
    signal: AbortSignal.timeout(20_000),
  }).then(async (r) => ({ status: r.status, errorType: r.headers.get('x-amzn-ErrorType'), body: await r.text() }));
  reply.catch(() => {}); // a failure is the page's to handle (it sends its own call), not an unhandled rejection
  return { url, target: headers['X-Amz-Target'] ?? '', body, reply, at: Date.now() };
}

// The edge's bind endpoint as the page computes it (web-client/src/config.rs `bind_url`), for a plainly valid
// `edgeUrl` (an https origin, http on 127.0.0.1 or localhost); else none.
function bindUrl(edge) {
  if (typeof edge !== 'string' || !PLAIN_ORIGIN.test(edge)) return null;
  return `${edge.replace(/\/$/, '')}/v1/bind`;
}

// Cognito's endpoint as the page computes it (web-client/src/config.rs), when the configuration is plainly valid:
// a region of letters, digits and dashes, or an https origin (http on 127.0.0.1 or localhost) without userinfo.
function cognitoEndpoint(config) {
  const given = config.cognitoEndpoint;
  if (given === undefined || given === null) {
    return /^[a-z]{2}(-[a-z]+)+-\d+$/.test(config.region) ? `https://cognito-idp.${config.region}.amazonaws.com/` : null;
  }
  return typeof given === 'string' && PLAIN_ORIGIN.test(given) ? given : null;
}

// A configuration the page certainly accepts (web-client/src/config.rs `check`: a page with a bad configuration
// sends nothing, so neither may this). Only the members checked here: a page with cookies, a brand or its own
// words makes its calls itself once the wasm has checked them.
function plainConfig(config) {
  const id = (s) => typeof s === 'string' && /^[\w-]{1,128}$/.test(s);
  const absent = (v) => v === undefined || v === null;
  const link = (l) => absent(l) || (typeof l === 'string' && (/^\/[\x21-\x7e]{0,2047}$/.test(l)
    || (/^[a-z][a-z\d+.-]*:\/\/[\x21-\x7e]{0,2000}$/i.test(l) && !/^(javascript|data|vbscript|blob|file):/i.test(l))));
  return Object.keys(config).every((k) => PLAIN_MEMBERS.has(k)) && id(config.region) && id(config.clientId)
    && (config.userPoolId === '' || id(config.userPoolId))
    && (absent(config.cognitoEndpoint) || cognitoEndpoint(config) !== null)
    && (absent(config.edgeUrl) || bindUrl(config.edgeUrl) !== null)
    && link(config.appReturnUrl) && link(config.otherSignInUrl)
    && (absent(config.storage) || config.storage === 'localStorage' || config.storage === 'sessionStorage')
    && Array.isArray(config.redirectAllowlist) && config.redirectAllowlist.every((p) => plainRedirect(p, [p]))
    && plainRedirect(absent(config.defaultRedirect) ? '/' : config.defaultRedirect, config.redirectAllowlist);
}

function plainClaims(claims, clientId) {
  const user = claims?.username;
  const whole = (n) => n === undefined || (Number.isSafeInteger(n) && n >= 0);
  const text = (s) => s === undefined || typeof s === 'string';
  return typeof clientId === 'string' && claims.aud === clientId && typeof user === 'string' && user.length > 0
    && [...user].length <= 128 && Number.isSafeInteger(claims.exp) && claims.exp >= 0 && whole(claims.iat)
    && text(claims.sub) && text(claims.jti) && text(claims.redirect);
}

// A redirect the page's allowlist check (core/src/redirect.rs) certainly accepts: absent, or a plain path without
// dots, percent signs or empty segments, equal to or under a plain allowlist entry.
function plainRedirect(redirect, allowlist) {
  if (redirect === undefined) return true;
  const plain = (p) => typeof p === 'string' && p.length <= 1024 && /^\/([\w~-]+\/)*[\w~-]*$/.test(p);
  return plain(redirect) && Array.isArray(allowlist) && allowlist.some((prefix) => plain(prefix)
    && (prefix === '/' || redirect === prefix || (!prefix.endsWith('/') && redirect.startsWith(`${prefix}/`))));
}
