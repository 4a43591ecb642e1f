// A web app without Leptos: the npm package's completeHandoff() does the whole sign-in.
import init, { completeHandoff } from '/pkg/handoff_web.js';

const status = document.getElementById('status');
const labels = {
  checking: 'Checking your link',
  contacting: 'Contacting the sign-in service',
  verifying: 'Verifying your link',
  signing_in: 'Signing you in',
};

await init();
const config = JSON.parse(document.getElementById('handoff-config').textContent);
// `?explicit-token`: an app that reads the token itself and passes it in (completeHandoff still scrubs the URL).
const explicit = new URLSearchParams(location.search).has('explicit-token')
  ? new URLSearchParams(location.hash.slice(1)).get('handoff')
  : null;
const result = await completeHandoff({
  ...config,
  ...(explicit ? { token: explicit } : {}),
  onProgress: (step) => {
    status.textContent = labels[step];
    document.body.dataset.step = step;
  },
});
if (!result.ok) {
  status.textContent = result.title;
  const section = document.getElementById('result');
  section.className = 'failure';
  section.dataset.failure = result.error;
  const title = document.createElement('h1');
  title.textContent = result.title;
  const message = document.createElement('p');
  message.textContent = result.message;
  section.append(title, message);
}
