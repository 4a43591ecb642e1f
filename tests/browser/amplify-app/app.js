// A web app as a team writes it, for the integration tests: the real aws-amplify v6, configured from `?storage=`
// the way its documentation says: `ssr: true` (cookies), `sessionStorage`, or the default (localStorage). It knows
// nothing about Handoff. Bundled by tests/browser/integration.test.mjs with esbuild.
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, getCurrentUser, signOut } from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { sessionStorage as amplifySessionStorage } from 'aws-amplify/utils';

const config = JSON.parse(document.getElementById('handoff-config').textContent);
const storage = new URLSearchParams(location.search).get('storage') ?? 'localStorage';
const amplifyConfig = {
  Auth: {
    Cognito: {
      userPoolId: config.userPoolId,
      userPoolClientId: config.clientId,
      userPoolEndpoint: config.cognitoEndpoint,
    },
  },
};
if (storage === 'cookie') {
  Amplify.configure(amplifyConfig, { ssr: true });
} else {
  Amplify.configure(amplifyConfig);
  if (storage === 'sessionStorage') cognitoUserPoolsTokenProvider.setKeyValueStorage(amplifySessionStorage);
}

window.app = {
  /** Who Amplify says is signed in, or the error's name. */
  async who() {
    try {
      const { username } = await getCurrentUser();
      const { tokens } = await fetchAuthSession();
      return { username, access: tokens?.accessToken?.toString() ?? null };
    } catch (err) {
      return { error: err?.name ?? String(err) };
    }
  },
  /** A forced refresh: the new access token, or the error's name. */
  async refresh() {
    try {
      const { tokens } = await fetchAuthSession({ forceRefresh: true });
      return { access: tokens?.accessToken?.toString() ?? null };
    } catch (err) {
      return { error: err?.name ?? String(err) };
    }
  },
  async signOut() {
    await signOut();
  },
};
document.body.dataset.ready = storage;
