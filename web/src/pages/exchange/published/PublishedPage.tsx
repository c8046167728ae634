import { useTranslation } from 'react-i18next';

// SKELETON: publish footprints over PACT to chosen customers; who pulled what.
export function PublishedPage() {
  const { t } = useTranslation();
  return <h1>{t('pactHost.title')}</h1>;
}
