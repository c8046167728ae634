import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../api';
import { Loading, ProposalBadge } from '../../components/Badge';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLocalize } from '../../format';
import { proposalRows } from './diff';
import { DiffTable } from './DiffView';

export function ProposalPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const loc = useLocalize();
  const client = useQueryClient();
  const [comment, setComment] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);

  const query = useQuery({
    queryKey: ['classification', 'proposal', id],
    queryFn: ({ signal }) => api.proposal(id, signal),
  });
  const lists = useQuery({
    queryKey: ['classification', 'lists'],
    queryFn: ({ signal }) => api.lists(signal),
  });
  const p = query.data?.proposal;
  // The proposal says whether we may review it; otherwise we ask the list whether we maintain it.
  const canReview = p
    ? (p.canReview ?? lists.data?.lists.find((l) => l.slug === p.list.slug)?.canMaintain)
    : undefined;

  const onDecided = () => {
    setComment('');
    void client.invalidateQueries({ queryKey: ['classification'] });
  };
  const approve = useMutation({
    mutationFn: () => api.approveProposal(id, comment.trim() || undefined),
    onSuccess: onDecided,
  });
  const reject = useMutation({
    mutationFn: () => api.rejectProposal(id, comment.trim()),
    onSuccess: onDecided,
  });
  const busy = approve.isPending || reject.isPending;

  if (query.error) return <ErrorAlert error={query.error} />;
  if (!p) return <Loading />;

  const doReject = () => {
    setLocalError(null);
    approve.reset();
    if (!comment.trim()) return setLocalError(t('review.commentRequired'));
    reject.mutate();
  };
  const doApprove = () => {
    setLocalError(null);
    reject.reset();
    approve.mutate();
  };

  return (
    <section className="page">
      <nav className="breadcrumb" aria-label={t('common.breadcrumb')}>
        <ol>
          <li>
            <Link to="/classification/proposals">{t('proposals.title')}</Link>
          </li>
          <li>
            <Link to={`/classification/lists/${p.list.slug}`}>{loc.name(p.list)}</Link>
          </li>
          <li aria-current="page">{p.title}</li>
        </ol>
      </nav>
      <header className="page-header">
        <div className="title-row">
          <h1 data-testid="proposal-title">{p.title}</h1>
          <ProposalBadge status={p.status} />
        </div>
        <dl className="meta">
          <div>
            <dt>{t('proposals.table.list')}</dt>
            <dd>
              <Link to={`/classification/lists/${p.list.slug}`}>{loc.name(p.list)}</Link>
            </dd>
          </div>
          <div>
            <dt>{t('review.baseVersion')}</dt>
            <dd>{t('common.versionN', { n: p.baseVersion })}</dd>
          </div>
          <div>
            <dt>{t('proposals.table.effective')}</dt>
            <dd>{p.effectiveFrom}</dd>
          </div>
          <div>
            <dt>{t('proposals.table.proposedBy')}</dt>
            <dd>
              {p.proposedBy.name} · {loc.dateTime(p.createdAt)}
            </dd>
          </div>
          {p.reviewedBy ? (
            <div>
              <dt>{t('review.reviewedBy')}</dt>
              <dd>
                {p.reviewedBy.name}
                {p.decidedAt ? ` · ${loc.dateTime(p.decidedAt)}` : ''}
              </dd>
            </div>
          ) : null}
          {p.resultingVersion !== null ? (
            <div>
              <dt>{t('review.resultingVersion')}</dt>
              <dd>
                <Link to={`/classification/lists/${p.list.slug}?version=${p.resultingVersion}`}>
                  {t('common.versionN', { n: p.resultingVersion })}
                </Link>
              </dd>
            </div>
          ) : null}
        </dl>
      </header>

      <section className="card">
        <h2>{t('review.reason')}</h2>
        <p className="prose">{p.reason}</p>
        {p.reviewComment ? (
          <>
            <h3>{t('review.reviewComment')}</h3>
            <p className="prose" data-testid="review-comment">
              {p.reviewComment}
            </p>
          </>
        ) : null}
      </section>

      <section className="card" aria-labelledby="changes-title">
        <div className="card-header">
          <h2 id="changes-title">{t('review.changes', { n: p.baseVersion })}</h2>
          <span className="muted small">{t('review.changeCount', { count: p.changes.length })}</span>
        </div>
        <DiffTable rows={proposalRows(p.changes)} testId="proposal-changes" />
      </section>

      {p.status === 'submitted' ? (
        <section className="card decision" aria-labelledby="decision-title" data-testid="decision">
          <h2 id="decision-title">{t('review.decision')}</h2>
          {canReview === false ? <p className="muted small">{t('review.notMaintainer')}</p> : null}
          <label className="field">
            <span>{t('review.comment')}</span>
            <textarea
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              rows={3}
              data-testid="review-comment-input"
            />
            <small className="muted">{t('review.commentHint')}</small>
          </label>
          {localError ? (
            <div className="alert alert-error" role="alert" data-testid="error-alert">
              {localError}
            </div>
          ) : null}
          <ErrorAlert error={approve.error ?? reject.error} />
          <div className="form-actions">
            <button
              type="button"
              className="btn btn-danger"
              onClick={doReject}
              disabled={busy}
              data-testid="reject"
            >
              {t('review.reject')}
            </button>
            <button
              type="button"
              className="btn btn-primary"
              onClick={doApprove}
              disabled={busy}
              data-testid="approve"
            >
              {t('review.approve')}
            </button>
          </div>
        </section>
      ) : null}
      {approve.data ? (
        <div className="alert alert-success" role="status">
          {t('review.approved', { n: approve.data.version.number })}
        </div>
      ) : null}
      {reject.data ? (
        <div className="alert alert-success" role="status">
          {t('review.rejected')}
        </div>
      ) : null}
    </section>
  );
}
