/** The login form: staff id and password; wrong credentials and lockouts said plainly. */
import { useState } from 'preact/hooks';
import { ApiFailure } from '../api.ts';
import { login } from '../state/session.ts';
import { t } from '../texts.fr.ts';

export function Login({ notice }: { notice?: string }) {
  const [error, setError] = useState<string | null>(notice === 'expired' ? t.sessionLost : null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      await login(String(form.get('staff') ?? '').trim(), String(form.get('password') ?? ''));
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 429) setError(t.lockedOut(15));
      else if (err instanceof ApiFailure && err.status === 401) setError(t.loginFailed);
      else setError(t.errors.NETWORK!);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>{t.loginTitle}</h1>
      <label>
        {t.staffId}
        <input name="staff" autocomplete="username" required autoFocus />
      </label>
      <label>
        {t.password}
        <input name="password" type="password" autocomplete="current-password" required />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? t.loggingIn : t.login}
      </button>
    </form>
  );
}
