import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { api, setUnauthorizedHandler, type User } from './api';
import { ErrorAlert } from './components/ErrorAlert';

export const ME_KEY = ['auth', 'me'] as const;

/** Who is signed in: `undefined` while asking, `null` when nobody. */
export function useMe(): { user: User | null | undefined; error: unknown } {
  const q = useQuery({ queryKey: ME_KEY, queryFn: api.me, staleTime: 5 * 60_000, retry: false });
  return { user: q.data, error: q.error };
}

/** On a 401 from any call: forget the user and go to the login page, coming back here afterwards. */
export function UnauthorizedRedirect(): null {
  const client = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      client.setQueryData(ME_KEY, null);
      if (location.pathname !== '/login') {
        void navigate('/login', { replace: true, state: { from: location.pathname + location.search } });
      }
    });
  }, [client, navigate, location]);
  return null;
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const { user, error } = useMe();
  const location = useLocation();
  const { t } = useTranslation();
  if (error) return <ErrorAlert error={error} />;
  if (user === undefined) return <p className="muted loading">{t('common.loading')}</p>;
  if (user === null)
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}
