import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { productsApi } from './api';
import { fmtDecimal } from './format';

/** The organisation's product models and their footprints. */
export function ProductsPage() {
  const { t, i18n } = useTranslation();
  const q = useQuery({ queryKey: ['products'], queryFn: ({ signal }) => productsApi.list(signal) });
  const products = q.data?.products ?? [];
  return (
    <section className="page">
      <header className="page-header">
        <div className="title-row">
          <h1>{t('products.title')}</h1>
          <Link to="/footprint/products/new" className="btn btn-primary" data-testid="new-product">
            {t('products.new')}
          </Link>
        </div>
        <p className="muted">{t('products.intro')}</p>
      </header>
      <ErrorAlert error={q.error} />
      {q.isLoading ? <Loading /> : null}
      {q.data && products.length === 0 ? <p className="empty">{t('products.empty')}</p> : null}
      {products.length > 0 ? (
        <div className="card table-card table-wrap">
          <table className="table" data-testid="products-table">
            <thead>
              <tr>
                <th>{t('products.columns.name')}</th>
                <th>{t('products.columns.org')}</th>
                <th className="num">{t('products.columns.version')}</th>
                <th className="num">{t('products.columns.footprints')}</th>
                <th>{t('products.columns.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {products.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={`/footprint/products/${p.id}`} data-testid="product-link">
                      {p.name}
                    </Link>
                    <div className="muted small">
                      {fmtDecimal(p.model.declaredUnit.amount ?? '1', i18n.language)}{' '}
                      {p.model.declaredUnit.unit} · {t(`products.boundaries.${p.model.boundary}`)}
                    </div>
                  </td>
                  <td>{p.org.slug}</td>
                  <td className="num">{p.version}</td>
                  <td className="num">{p.footprints}</td>
                  <td className="nowrap">{new Date(p.updatedAt).toLocaleString(i18n.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
