// Proof of work for a petition under attack: before the sign form may be sent, the browser
// finds the number behind a challenge from the site (about half a second of hashing on a
// phone) and puts the answer in a hidden field. The challenge is fetched here, not written
// into the page, so that the page itself can be cached and shared by every visitor.
// Without JavaScript the page says that it is needed, and the server says so again on submit.
(() => {
  const form = document.querySelector("form[data-proof-of-work]");
  if (!form) return;
  const field = form.querySelector('input[name="proof_of_work"]');
  const status = form.querySelector(".proof-of-work__status");
  const button = form.querySelector('button[type="submit"]');
  if (!field || !status || !button) return;

  const say = (key) => {
    status.textContent = status.dataset[key] || "";
  };
  if (!window.crypto || !window.crypto.subtle || !window.TextEncoder || !window.fetch) {
    // The server will explain when the form is sent; nothing typed is lost.
    say("unsupported");
    return;
  }

  const REFRESH_BEFORE_EXPIRY_MS = 60 * 1000;
  const BATCH = 500;
  let solvedExpiresAt = 0;
  let solving = null;
  let sending = false;

  const fromHex = (hex) => new Uint8Array(hex.match(/../g).map((pair) => parseInt(pair, 16)));
  const sameBytes = (buffer, expected) => {
    const bytes = new Uint8Array(buffer);
    if (bytes.length !== expected.length) return false;
    for (let i = 0; i < bytes.length; i += 1) if (bytes[i] !== expected[i]) return false;
    return true;
  };
  const expiresAt = (salt) => {
    const seconds = Number(new URLSearchParams(salt.split("?")[1] || "").get("expires"));
    return Number.isFinite(seconds) ? seconds * 1000 : 0;
  };

  async function findNumber({ challenge, salt, maxnumber }) {
    const encoder = new TextEncoder();
    const target = fromHex(challenge);
    for (let start = 0; start <= maxnumber; start += BATCH) {
      const end = Math.min(start + BATCH - 1, maxnumber);
      const pending = [];
      for (let n = start; n <= end; n += 1) {
        pending.push(crypto.subtle.digest("SHA-256", encoder.encode(salt + n)));
      }
      const digests = await Promise.all(pending);
      const found = digests.findIndex((digest) => sameBytes(digest, target));
      if (found !== -1) return start + found;
    }
    return null;
  }

  async function solve() {
    field.value = "";
    button.disabled = true;
    say("checking");
    try {
      const response = await fetch(form.dataset.proofOfWork, {
        cache: "no-store",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`challenge: HTTP ${response.status}`);
      const challenge = await response.json();
      const number = await findNumber(challenge);
      if (number === null) throw new Error("challenge: no solution");
      field.value = btoa(
        JSON.stringify({
          algorithm: challenge.algorithm,
          challenge: challenge.challenge,
          number,
          salt: challenge.salt,
          signature: challenge.signature,
        }),
      );
      solvedExpiresAt = expiresAt(challenge.salt);
      say("done");
    } catch (error) {
      solvedExpiresAt = 0;
      say("failed");
      throw error;
    } finally {
      // Never leave the person stuck: if the check failed, the server explains on submit.
      button.disabled = false;
    }
  }

  const fresh = () => field.value && solvedExpiresAt - Date.now() > REFRESH_BEFORE_EXPIRY_MS;
  const start = () => {
    solving = solve().finally(() => {
      solving = null;
    });
    return solving;
  };

  form.addEventListener("submit", (event) => {
    if (fresh() || sending) return;
    // The answer is missing or about to expire (the form was open a long time): find a new
    // one, then send. form.submit() does not fire this handler again.
    event.preventDefault();
    sending = true;
    (solving || start())
      .catch(() => {})
      .then(() => form.submit());
  });

  start().catch(() => {});
})();
