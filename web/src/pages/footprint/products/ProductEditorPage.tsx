import { useTranslation } from 'react-i18next';

// SKELETON: the product-model editor with live recalculation, the result and its chart.
export function ProductEditorPage() {
  const { t } = useTranslation();
  return <h1>{t('products.title')}</h1>;
}
