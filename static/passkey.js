// passkey.js: the passkey buttons of /account/two-factor (add one) and /login/two-factor
// (sign in with one).  The server puts the WebAuthn challenge and the relying party in the
// form's data- attributes; this script asks the browser for the credential and posts its
// answer in the form's hidden fields (base64url).  Without JavaScript or WebAuthn the
// button stays hidden, and the code form works as before.
'use strict';

(function () {
  const enc = (buf) => {
    const bytes = new Uint8Array(buf);
    let s = '';
    for (let i = 0; i < bytes.length; i += 1) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const dec = (text) => {
    const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i += 1) out[i] = s.charCodeAt(i);
    return out;
  };
  const list = (text) => (text ? text.split(',').filter(Boolean) : []);

  function register(form) {
    const d = form.dataset;
    return navigator.credentials.create({
      publicKey: {
        challenge: dec(d.challenge),
        rp: { id: d.rpId, name: d.rpName },
        user: { id: dec(d.userId), name: d.userName, displayName: d.displayName },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }], // ES256
        excludeCredentials: list(d.exclude).map((id) => ({ type: 'public-key', id: dec(id) })),
        authenticatorSelection: { userVerification: 'preferred' },
        attestation: 'none',
        timeout: 120000,
      },
    }).then((cred) => {
      form.elements.credential_id.value = enc(cred.rawId);
      form.elements.authenticator_data.value = enc(cred.response.getAuthenticatorData());
      form.elements.client_data.value = enc(cred.response.clientDataJSON);
    });
  }

  function signIn(form) {
    const d = form.dataset;
    return navigator.credentials.get({
      publicKey: {
        challenge: dec(d.challenge),
        rpId: d.rpId,
        allowCredentials: list(d.ids).map((id) => ({ type: 'public-key', id: dec(id) })),
        userVerification: 'preferred',
        timeout: 120000,
      },
    }).then((a) => {
      form.elements.credential_id.value = enc(a.rawId);
      form.elements.authenticator_data.value = enc(a.response.authenticatorData);
      form.elements.client_data.value = enc(a.response.clientDataJSON);
      form.elements.signature.value = enc(a.response.signature);
    });
  }

  function wire(form) {
    const button = form.querySelector('button[type="submit"]');
    const failed = form.querySelector('.passkey-failed');
    const hint = form.querySelector('.passkey-needs-script');
    if (!window.PublicKeyCredential || !navigator.credentials) {
      if (hint) hint.textContent = 'This browser cannot use passkeys.';
      return;
    }
    if (hint) hint.hidden = true;
    button.hidden = false;
    form.addEventListener('submit', (event) => {
      if (form.elements.authenticator_data.value) return; // the answer is in: post it
      event.preventDefault();
      failed.hidden = true;
      const ask = form.dataset.passkey === 'register' ? register : signIn;
      ask(form).then(() => form.submit()).catch(() => {
        failed.textContent = 'The passkey was not used. Try again, or type a code.';
        failed.hidden = false;
      });
    });
  }

  document.querySelectorAll('form[data-passkey]').forEach(wire);
}());
