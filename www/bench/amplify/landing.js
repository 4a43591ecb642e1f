// The benchmark's anchor: the same landing page as a web team would write it with aws-amplify v6
// (signIn with CUSTOM_WITHOUT_SRP, then confirmSignIn with the token). Not shipped; `cargo xtask build-web`
// bundles it into the site's /bench/amplify/ so both pages run against the same stack in the same Chromium.
import { Amplify } from 'aws-amplify';
import { confirmSignIn, signIn } from 'aws-amplify/auth';

const config = JSON.parse(document.getElementById('handoff-config').textContent);
Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: config.userPoolId,
      userPoolClientId: config.clientId,
      ...(config.cognitoEndpoint ? { userPoolEndpoint: config.cognitoEndpoint } : {}),
    },
  },
});

const state = document.getElementById('state');
const token = new URLSearchParams(location.hash.slice(1)).get('handoff') ?? '';
history.replaceState(null, '', location.pathname + location.search);
try {
  const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  // With an edge that binds links to the browser's context (CONTEXT_BINDING, on in the local stack), its proof goes
  // to confirmSignIn as client metadata, as the Handoff page sends it: the same work on both pages.
  const bind = config.edgeUrl
    ? fetch(`${config.edgeUrl.replace(/\/$/, '')}/v1/bind`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: token,
      credentials: 'omit',
    }).then((r) => r.json()).then((answer) => answer.binding ?? null).catch(() => null)
    : null;
  const [{ nextStep }, binding] = await Promise.all([
    signIn({ username: claims.username, options: { authFlowType: 'CUSTOM_WITHOUT_SRP' } }),
    bind,
  ]);
  if (nextStep.signInStep !== 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE') throw new Error(nextStep.signInStep);
  const { isSignedIn } = await confirmSignIn({
    challengeResponse: token,
    ...(binding ? { options: { clientMetadata: { handoff_binding: binding } } } : {}),
  });
  if (!isSignedIn) throw new Error('not signed in');
  location.replace(claims.redirect ?? config.defaultRedirect ?? '/');
} catch (err) {
  state.textContent = `Sign-in failed: ${err?.name ?? err}`;
  document.body.dataset.failure = 'true';
}
