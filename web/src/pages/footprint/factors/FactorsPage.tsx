import { useTranslation } from 'react-i18next';

// SKELETON: the factor browser (search by words, activity, region, year; releases; import).
export function FactorsPage() {
  const { t } = useTranslation();
  return <h1>{t('factors.title')}</h1>;
}
