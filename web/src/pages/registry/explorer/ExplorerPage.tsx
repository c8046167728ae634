import { useTranslation } from 'react-i18next';

// Skeleton: replaced by the registry's explorer pages.
export function ExplorerPage() {
  const { t } = useTranslation();
  return (
    <section className="page">
      <h1>{t('registryExplorer.title')}</h1>
    </section>
  );
}
