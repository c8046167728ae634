import { useTranslation } from 'react-i18next';

// SKELETON: connections to suppliers' PACT hosts and their pulled footprints.
export function ConnectionsPage() {
  const { t } = useTranslation();
  return <h1>{t('pactClient.title')}</h1>;
}
