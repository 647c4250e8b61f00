// Sign-in with a NIP-07 browser extension (window.nostr): it signs one
// kind-27235 event naming the board's URL and the method POST; the server
// checks it as NIP-98 and answers with a session cookie.
'use strict';
(() => {
  const meta = (name) => document.querySelector('meta[name="' + name + '"]').content;
  const publicUrl = meta('custody-public-url');
  const next = meta('custody-next');
  const result = document.getElementById('result');
  if (!window.nostr || !next) return;
  document.getElementById('nip07').hidden = false;
  document.getElementById('nip07-button').addEventListener('click', async () => {
    result.textContent = 'Asking the extension to sign…';
    try {
      const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
      const event = await window.nostr.signEvent({
        kind: 27235,
        created_at: Math.floor(Date.now() / 1000),
        tags: [['u', publicUrl + next], ['method', 'POST'], ['nonce', nonce]],
        content: '',
      });
      const answer = await fetch('/v1/signin', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(event),
      });
      const body = await answer.json();
      if (!answer.ok) throw new Error(body.error || 'refused');
      location.replace(body.next);
    } catch (e) {
      result.textContent = 'Not signed in: ' + (e && e.message ? e.message : e);
    }
  });
})();
