// A tiny loopback stand-in for Cognito's InitiateAuth / RespondToAuthChallenge (JSON 1.1), answering the way real
// Cognito does (a NEW session every round, ChallengeParameters.USERNAME, errors as HTTP 400 `__type` +
// `x-amzn-ErrorType`, CORS for any origin), with single-use tokens like the edge's ledger.
//
// It exists only to prove the PAGE's behaviour until the real local stack exists: when `cargo xtask stack up`
// (ministack + trigger bootstrap + edge) lands, the happy-path and replay tests switch to `.stack/env`.
// It does not check signatures: the page never does either; the edge does, behind Cognito.

import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned JWT-shaped string (stands in for Cognito's tokens and for handoff tokens). */
export function jwt(payload, header = { alg: 'EdDSA', typ: 'handoff+jwt', kid: 'dev-1' }) {
  return `${b64url(header)}.${b64url(payload)}.${Buffer.alloc(64, 7).toString('base64url')}`;
}

function payloadOf(token) {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * Starts the stand-in. `users` maps a login name to the canonical Cognito username. Behaviour switches:
 * `failTrigger` (Verify trigger throws: UserLambdaValidationException), `dropConnections` (network failure),
 * `deviceTracking` (a pool that remembers devices: the sign-in answers with NewDeviceMetadata, ConfirmDevice
 * records the verifier, and a refresh token issued to a device refreshes only with that confirmed DeviceKey, as
 * real Cognito does), `failConfirmDevice` (ConfirmDevice answers InternalErrorException).
 * Refresh: `GetTokensFromRefreshToken` (what aws-amplify 6.22 sends) and InitiateAuth REFRESH_TOKEN_AUTH.
 */
export async function startCognito({ clientId, users = { alice: 'u-alice' } }) {
  const state = {
    requests: [], // every request: {method, target, referer, origin, body}
    revokedTokens: [], // refresh tokens sent to RevokeToken
    burned: new Set(),
    sessions: new Map(), // session -> {username, challengeUser}
    failTrigger: false,
    dropConnections: false,
    deviceTracking: false,
    failConfirmDevice: false,
    refreshTokens: new Map(), // refresh token -> {username, deviceKey, deviceGroupKey}
    devices: new Map(), // device key -> {username, confirmed: {Salt, PasswordVerifier, DeviceName}}
  };
  let serial = 0;
  const signedIn = (username, deviceKey = null) => {
    const now = Math.floor(Date.now() / 1000);
    const common = { sub: `sub-${username}`, iat: now, exp: now + 3600, origin_jti: randomUUID() };
    serial += 1;
    return {
      AccessToken: jwt({ ...common, token_use: 'access', client_id: clientId, username, n: serial, ...(deviceKey ? { device_key: deviceKey } : {}) }, { alg: 'RS256', kid: 'pool' }),
      IdToken: jwt({ ...common, token_use: 'id', aud: clientId, 'cognito:username': username }, { alg: 'RS256', kid: 'pool' }),
      ExpiresIn: 3600,
      TokenType: 'Bearer',
    };
  };
  const refresh = (res, token, deviceKey) => {
    const issued = state.refreshTokens.get(token);
    const device = issued?.deviceKey ? state.devices.get(issued.deviceKey) : null;
    // Real Cognito: a refresh token issued to a device needs that device's key, and the device must be confirmed.
    if (!issued || state.revokedTokens.includes(token) || (issued.deviceKey && (deviceKey !== issued.deviceKey || !device?.confirmed))) {
      fail(res, 400, 'NotAuthorizedException', 'Invalid Refresh Token');
      return;
    }
    ok(res, { AuthenticationResult: signedIn(issued.username, issued.deviceKey), ChallengeParameters: {} });
  };

  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'POST',
    'Access-Control-Allow-Headers': 'content-type, x-amz-target, x-amz-user-agent',
    'Access-Control-Expose-Headers': 'x-amzn-errortype, x-amzn-requestid',
    'Access-Control-Max-Age': '600',
  };

  const fail = (res, status, type, message) => {
    res.writeHead(status, { ...cors, 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': `${type}:` });
    res.end(JSON.stringify({ __type: type, message }));
  };
  const ok = (res, body) => {
    res.writeHead(200, { ...cors, 'Content-Type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      let body = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        // recorded as null
      }
      state.requests.push({
        method: req.method,
        target,
        referer: req.headers.referer ?? null,
        origin: req.headers.origin ?? null,
        contentType: req.headers['content-type'] ?? null,
        body,
      });
      if (state.dropConnections) {
        req.socket.destroy();
        return;
      }
      if (req.method === 'OPTIONS') {
        // Like AWS: whatever headers are asked for are allowed (Amplify also sends cache-control).
        const asked = req.headers['access-control-request-headers'];
        res.writeHead(200, { ...cors, ...(asked ? { 'Access-Control-Allow-Headers': asked } : {}) }).end();
        return;
      }
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/x-amz-json-1.1' || !body) {
        fail(res, 400, 'SerializationException', 'bad request');
        return;
      }
      // ConfirmDevice names no client: the access token does.
      if (body.ClientId !== clientId && target !== 'AWSCognitoIdentityProviderService.ConfirmDevice') {
        fail(res, 400, 'ResourceNotFoundException', 'User pool client does not exist.');
        return;
      }
      if (target === 'AWSCognitoIdentityProviderService.GetTokensFromRefreshToken') {
        refresh(res, body.RefreshToken, body.DeviceKey);
        return;
      }
      if (target === 'AWSCognitoIdentityProviderService.InitiateAuth' && body.AuthFlow === 'REFRESH_TOKEN_AUTH') {
        refresh(res, body.AuthParameters?.REFRESH_TOKEN, body.AuthParameters?.DEVICE_KEY);
        return;
      }
      if (target === 'AWSCognitoIdentityProviderService.ConfirmDevice') {
        const claims = payloadOf(body.AccessToken ?? '');
        const device = state.devices.get(body.DeviceKey);
        if (!device || claims?.username !== device.username || claims?.device_key !== body.DeviceKey) {
          fail(res, 400, 'NotAuthorizedException', 'Invalid device key given.');
          return;
        }
        if (state.failConfirmDevice) {
          fail(res, 500, 'InternalErrorException', 'Internal error');
          return;
        }
        const { Salt, PasswordVerifier } = body.DeviceSecretVerifierConfig ?? {};
        if (!Salt || !PasswordVerifier) {
          fail(res, 400, 'InvalidParameterException', 'DeviceSecretVerifierConfig is required');
          return;
        }
        device.confirmed = { Salt, PasswordVerifier, DeviceName: body.DeviceName };
        ok(res, { UserConfirmationNecessary: false });
        return;
      }
      if (target === 'AWSCognitoIdentityProviderService.InitiateAuth') {
        const login = body.AuthParameters?.USERNAME;
        if (body.AuthFlow !== 'CUSTOM_AUTH' || !login) {
          fail(res, 400, 'InvalidParameterException', 'bad InitiateAuth');
          return;
        }
        const username = users[login] ?? (Object.values(users).includes(login) ? login : null);
        if (!username) {
          fail(res, 400, 'UserNotFoundException', 'User does not exist.');
          return;
        }
        const session = `S1-${randomUUID()}`;
        state.sessions.set(session, { username });
        ok(res, {
          ChallengeName: 'CUSTOM_CHALLENGE',
          Session: session,
          ChallengeParameters: { USERNAME: username, handoff: 'jwt' },
        });
        return;
      }
      if (target === 'AWSCognitoIdentityProviderService.RespondToAuthChallenge') {
        const session = state.sessions.get(body.Session);
        state.sessions.delete(body.Session); // single-use sessions, like real Cognito
        const answer = body.ChallengeResponses?.ANSWER;
        if (!session || body.ChallengeName !== 'CUSTOM_CHALLENGE' || body.ChallengeResponses?.USERNAME !== session.username) {
          fail(res, 400, 'NotAuthorizedException', 'Invalid session for the user.');
          return;
        }
        if (state.failTrigger) {
          fail(res, 400, 'UserLambdaValidationException', 'VerifyAuthChallengeResponse failed with error edge unreachable.');
          return;
        }
        const claims = payloadOf(answer ?? '');
        const now = Math.floor(Date.now() / 1000);
        // The edge's checks, in short: a good signature (the dev signature of jwt()), audience, expiry, first use.
        const signatureOk = (answer ?? '').split('.')[2] === Buffer.alloc(64, 7).toString('base64url');
        const valid = signatureOk && claims && claims.aud === clientId && claims.exp + 5 >= now && !state.burned.has(claims.jti);
        if (signatureOk && claims?.jti) state.burned.add(claims.jti);
        if (!valid) {
          fail(res, 400, 'NotAuthorizedException', 'Incorrect username or password.');
          return;
        }
        const refreshToken = `refresh-${randomUUID()}`;
        let metadata = null;
        if (state.deviceTracking) {
          metadata = { DeviceKey: `us-east-1_${randomUUID()}`, DeviceGroupKey: `-${randomUUID().slice(0, 9)}` };
          state.devices.set(metadata.DeviceKey, { username: session.username, groupKey: metadata.DeviceGroupKey, confirmed: null });
        }
        state.refreshTokens.set(refreshToken, { username: session.username, deviceKey: metadata?.DeviceKey ?? null });
        ok(res, {
          AuthenticationResult: {
            ...signedIn(session.username, metadata?.DeviceKey),
            RefreshToken: refreshToken,
            ...(metadata ? { NewDeviceMetadata: metadata } : {}),
          },
          ChallengeParameters: {},
        });
        return;
      }
      if (target === 'AWSCognitoIdentityProviderService.RevokeToken') {
        // Real Cognito: 200 {} for a public client's refresh token (the tokens it issued die with it).
        if (!body.Token) {
          fail(res, 400, 'InvalidParameterException', 'Token is required');
          return;
        }
        state.revokedTokens.push(body.Token);
        ok(res, {});
        return;
      }
      fail(res, 400, 'UnknownOperationException', 'unknown operation');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}/`;
  return {
    endpoint,
    state,
    posts: () => state.requests.filter((r) => r.method === 'POST'),
    preflights: () => state.requests.filter((r) => r.method === 'OPTIONS'),
    reset: () => {
      state.requests.length = 0;
      state.revokedTokens.length = 0;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(resolve);
    }),
  };
}
