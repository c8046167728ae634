import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { isApiError } from '../api';

/** An API error (or any error) as a visible alert; a 404 on a code lists the nearest codes. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  const apiError = isApiError(error) ? error : null;
  const code = apiError?.code ?? 'unknown';
  const message = apiError ? apiError.message : error instanceof Error ? error.message : String(error);
  const heading = title ?? t(`errors.codes.${code}`, { defaultValue: t('errors.generic') });
  const nearest = apiError?.body.nearest ?? [];
  return (
    <div className="alert alert-error" role="alert" data-testid="error-alert" data-error-code={code}>
      <div className="alert-title">{heading}</div>
      <div className="alert-message">{message}</div>
      {apiError?.field ? (
        <div className="alert-field">
          {t('errors.field')}: <code>{apiError.field}</code>
        </div>
      ) : null}
      {nearest.length > 0 ? (
        <div className="alert-nearest">
          <span>{t('errors.nearest')}</span>
          <ul>
            {nearest.map((n) => (
              <li key={n.code}>
                <Link to={`/classification/codes/${n.code}`} data-testid="nearest-code">
                  <span className="code">{n.code}</span> {n.description}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
