import { useTranslation } from 'react-i18next';

// Skeleton: replaced by the registry's article6 pages.
export function Article6Page() {
  const { t } = useTranslation();
  return (
    <section className="page">
      <h1>{t('registryArticle6.title')}</h1>
    </section>
  );
}
