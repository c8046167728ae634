import { useTranslation } from 'react-i18next';

// Skeleton: replaced by the registry's certificates pages.
export function CertificatesPage() {
  const { t } = useTranslation();
  return (
    <section className="page">
      <h1>{t('registryCertificates.title')}</h1>
    </section>
  );
}
