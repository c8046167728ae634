import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { api } from '../api';
import { ME_KEY, useMe } from '../auth';
import { ErrorAlert } from '../components/ErrorAlert';

function target(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('/login')
    ? from
    : '/classification';
}

export function LoginPage() {
  const { t } = useTranslation();
  const { user } = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (user) return <Navigate to={target(location.state)} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { user: signedIn } = await api.login(email.trim(), password);
      client.setQueryData(ME_KEY, signedIn);
      void navigate(target(location.state), { replace: true });
    } catch (err) {
      setError(err);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="login-page">
      <form className="card login-card" onSubmit={submit} data-testid="login-form" noValidate>
        <h1>{t('login.title')}</h1>
        <p className="muted">{t('login.subtitle')}</p>
        <ErrorAlert
          error={error}
          {...(error && (error as { status?: number }).status === 401 ? { title: t('login.failed') } : {})}
        />
        <label className="field">
          <span>{t('login.email')}</span>
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="login-email"
          />
        </label>
        <label className="field">
          <span>{t('login.password')}</span>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </label>
        <button
          type="submit"
          className="btn btn-primary btn-block"
          disabled={busy || !email || !password}
          data-testid="login-submit"
        >
          {busy ? t('login.signingIn') : t('login.submit')}
        </button>
      </form>
    </section>
  );
}
