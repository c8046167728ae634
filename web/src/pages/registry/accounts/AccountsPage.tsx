import { useTranslation } from 'react-i18next';

// Skeleton: replaced by the registry's accounts pages.
export function AccountsPage() {
  const { t } = useTranslation();
  return (
    <section className="page">
      <h1>{t('registryAccounts.title')}</h1>
    </section>
  );
}
