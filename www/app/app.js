// The demo web app (the redirect target), written as a web team would: the real aws-amplify v6 library,
// configured against the same user pool. It knows nothing about Handoff: if getCurrentUser() and
// fetchAuthSession() see the user, the landing page's session hand-off works with Amplify.
// Bundled by esbuild into the site's /app/app.js by `cargo xtask build-web`.
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, getCurrentUser } from 'aws-amplify/auth';

const config = JSON.parse(document.getElementById('handoff-config').textContent);
Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: config.userPoolId,
      userPoolClientId: config.clientId,
      // The local emulator (or a custom domain); absent, Amplify talks to cognito-idp.<region>.amazonaws.com.
      ...(config.cognitoEndpoint ? { userPoolEndpoint: config.cognitoEndpoint } : {}),
    },
  },
});

const who = document.getElementById('who');
const details = document.getElementById('details');
const show = (term, value) => {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  details.append(dt, dd);
};

show('Path', location.pathname + location.search);
try {
  const { username, userId, signInDetails } = await getCurrentUser();
  const { tokens } = await fetchAuthSession();
  who.textContent = `Signed in as ${username}`;
  document.body.dataset.user = username;
  show('User id (sub)', userId);
  show('Sign-in flow', signInDetails?.authFlowType ?? 'unknown');
  show('Access token expires', new Date(tokens.accessToken.payload.exp * 1000).toISOString());
  show('Id token', tokens.idToken ? 'present' : 'absent');
} catch (err) {
  who.textContent = 'Not signed in';
  show('Amplify says', err?.name ?? String(err));
}
