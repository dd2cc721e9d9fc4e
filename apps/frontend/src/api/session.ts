/** A random key for this browser tab's session, kept in sessionStorage: the API keeps a newcomer
 * (a cold start, who has no user id) in one experiment variant with it. */
const STORAGE_KEY = "tunedin.session";

export function sessionKey(): string {
  try {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    if (stored) return stored;
    const fresh = crypto.randomUUID();
    sessionStorage.setItem(STORAGE_KEY, fresh);
    return fresh;
  } catch {
    return fallback; // storage refused (a privacy mode): one key for this page's life
  }
}

const fallback = crypto.randomUUID();
