import { useTranslation } from 'react-i18next';

// SKELETON: the organisation's product models and their footprints.
export function ProductsPage() {
  const { t } = useTranslation();
  return <h1>{t('products.title')}</h1>;
}
