import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api';
import { Loading } from '../../components/Badge';
import { ErrorAlert } from '../../components/ErrorAlert';

const EXAMPLES = ['854143', '8541', 'solar', 'heat pump', 'wind'];

export function SearchPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);

  // Follow the URL (back/forward, example links) without undoing what is being typed.
  const [seenQ, setSeenQ] = useState(q);
  if (q !== seenQ) {
    setSeenQ(q);
    if (text.trim() !== q) setText(q);
  }

  // Search as one types, a moment after the last key.
  useEffect(() => {
    if (text.trim() === q.trim()) return;
    const timer = setTimeout(() => setParams(text.trim() ? { q: text.trim() } : {}, { replace: true }), 300);
    return () => clearTimeout(timer);
  }, [text, q, setParams]);

  const query = useQuery({
    queryKey: ['classification', 'search', q],
    queryFn: ({ signal }) => api.search(q, 25, signal),
    enabled: q.trim().length > 0,
    placeholderData: keepPreviousData,
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setParams(text.trim() ? { q: text.trim() } : {});
  };

  const results = query.data?.results ?? [];
  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('search.title')}</h1>
        <p className="muted">{t('search.intro')}</p>
      </header>
      <form className="search-form" role="search" onSubmit={submit}>
        <input
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t('search.placeholder')}
          aria-label={t('search.placeholder')}
          data-testid="search-input"
          autoFocus
        />
        <button type="submit" className="btn btn-primary">
          {t('search.submit')}
        </button>
      </form>

      {!q ? (
        <div className="examples">
          <span className="muted">{t('search.examples')}</span>
          {EXAMPLES.map((ex) => (
            <Link key={ex} to={`?q=${encodeURIComponent(ex)}`} className="chip">
              {ex}
            </Link>
          ))}
        </div>
      ) : null}

      <ErrorAlert error={query.error} />
      {query.isLoading ? <Loading /> : null}
      {q && query.data && !query.error ? (
        <>
          <p className="muted result-count" aria-live="polite">
            {t('search.count', { count: results.length, query: query.data.query })}
          </p>
          {results.length > 0 ? (
            <ul className="result-list">
              {results.map((r) => (
                <li key={r.code}>
                  <Link to={`/classification/codes/${r.code}`} data-testid="search-result" className="result">
                    <span className="code">{r.code}</span>
                    <span className="badge badge-gray">{t(`level.${r.level}`)}</span>
                    <span className="result-desc">{r.description}</span>
                  </Link>
                </li>
              ))}
            </ul>
          ) : (
            <p className="empty">{t('search.none')}</p>
          )}
        </>
      ) : null}
    </section>
  );
}
