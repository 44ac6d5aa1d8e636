/**
 * localStorage, per site key, never throwing: storage can be disabled (private mode, blocked
 * cookies) or full, and the chat must still work for the page's lifetime.
 */

export type StoredKey = 'token' | 'outbox' | 'open' | 'color';

export interface SiteStorage {
  get(key: StoredKey): string | null;
  set(key: StoredKey, value: string | null): void;
}

export function siteStorage(site: string): SiteStorage {
  const name = (key: StoredKey) => `relais-chat:${site}:${key}`;
  return {
    get(key) {
      try {
        return localStorage.getItem(name(key));
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (value === null) localStorage.removeItem(name(key));
        else localStorage.setItem(name(key), value);
      } catch {
        // Full or disabled: the value lives in memory only.
      }
    },
  };
}
