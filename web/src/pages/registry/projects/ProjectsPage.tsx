import { useTranslation } from 'react-i18next';

// Skeleton: replaced by the registry's projects pages.
export function ProjectsPage() {
  const { t } = useTranslation();
  return (
    <section className="page">
      <h1>{t('registryProjects.title')}</h1>
    </section>
  );
}
