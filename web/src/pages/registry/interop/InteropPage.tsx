import { useTranslation } from 'react-i18next';

// Skeleton: replaced by the registry's interop pages.
export function InteropPage() {
  const { t } = useTranslation();
  return (
    <section className="page">
      <h1>{t('registryInterop.title')}</h1>
    </section>
  );
}
