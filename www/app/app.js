// The demo web app (the redirect target). Reads the session the landing page stored under Amplify v6's keys.
const config = JSON.parse(document.getElementById('handoff-config').textContent);
const prefix = `CognitoIdentityServiceProvider.${config.clientId}`;
const who = document.getElementById('who');
const user = localStorage.getItem(`${prefix}.LastAuthUser`);
const access = user && localStorage.getItem(`${prefix}.${user}.accessToken`);
if (access) {
  who.textContent = `Signed in as ${user}`;
  document.body.dataset.user = user;
} else {
  who.textContent = 'Not signed in';
}
const details = document.getElementById('details');
for (const [term, value] of [['Path', location.pathname + location.search]]) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  details.append(dt, dd);
}
