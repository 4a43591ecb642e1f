// Starts the landing page. An external module (not inline script), so the CSP can stay `script-src 'self'`.
// First of all, the fragment (the token) leaves the address bar and the history entry, before the page's wasm is
// even requested. The page takes it from `handoffFragment` (and deletes it) when it starts.
const hash = location.hash;
if (hash) {
  history.replaceState(null, '', location.pathname + location.search);
  globalThis.handoffFragment = hash;
}

try {
  const { default: init } = await import('/handoff/handoff.js');
  await init(); // runs the page's `main`
} catch {
  const status = document.getElementById('handoff-loading');
  if (status) {
    status.textContent = 'This browser could not start the sign-in page. Go back to the app and sign in another way.';
  }
}
