import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function Badge({
  tone,
  children,
  ...rest
}: {
  tone: string;
  children: ReactNode;
  [data: `data-${string}`]: string;
}) {
  return (
    <span className={`badge badge-${tone}`} {...rest}>
      {children}
    </span>
  );
}

/** Membership status of a code on a list: full / partial / none. */
export function MembershipBadge({ status }: { status: 'full' | 'partial' | 'none' }) {
  const { t } = useTranslation();
  const tone = status === 'full' ? 'green' : status === 'partial' ? 'amber' : 'gray';
  return (
    <Badge tone={tone} data-testid="membership-status" data-status={status}>
      {t(`membership.status.${status}`)}
    </Badge>
  );
}

export function ProposalBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const tone = status === 'approved' ? 'green' : status === 'rejected' ? 'red' : 'blue';
  return (
    <Badge tone={tone} data-testid="proposal-status" data-status={status}>
      {t(`proposals.status.${status}`, { defaultValue: status })}
    </Badge>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="muted loading" role="status">
      {t('common.loading')}
    </p>
  );
}
