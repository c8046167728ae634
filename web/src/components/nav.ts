/** The navigation: one section per module, each with its pages. New modules add a section here. */
export interface NavItem {
  to: string;
  /** i18n key of the label */
  label: string;
  /** Match only this exact path (not its children). */
  end?: boolean;
}

export interface NavSection {
  id: string;
  /** i18n key of the section title */
  title: string;
  items: NavItem[];
}

export const NAV: NavSection[] = [
  {
    id: 'classification',
    title: 'nav.classification.title',
    items: [
      { to: '/classification', label: 'nav.classification.search', end: true },
      { to: '/classification/lists', label: 'nav.classification.lists' },
      { to: '/classification/proposals', label: 'nav.classification.proposals' },
    ],
  },
  {
    id: 'footprint',
    title: 'nav.footprint.title',
    items: [
      { to: '/footprint/products', label: 'nav.footprint.products' },
      { to: '/footprint/factors', label: 'nav.footprint.factors' },
    ],
  },
  {
    id: 'exchange',
    title: 'nav.exchange.title',
    items: [
      { to: '/exchange/published', label: 'nav.exchange.published' },
      { to: '/exchange/connections', label: 'nav.exchange.connections' },
    ],
  },
  {
    id: 'registry',
    title: 'nav.registry.title',
    items: [
      { to: '/registry/accounts', label: 'nav.registry.accounts' },
      { to: '/registry/projects', label: 'nav.registry.projects' },
      { to: '/registry/article6', label: 'nav.registry.article6' },
      { to: '/registry/interop', label: 'nav.registry.interop' },
      { to: '/registry/certificates', label: 'nav.registry.certificates' },
      { to: '/registry/explorer', label: 'nav.registry.explorer' },
    ],
  },
  {
    id: 'cbam',
    title: 'nav.cbam.title',
    items: [
      { to: '/cbam/scope', label: 'nav.cbam.scope' },
      { to: '/cbam/installations', label: 'nav.cbam.installations' },
      { to: '/cbam/suppliers', label: 'nav.cbam.suppliers' },
      { to: '/cbam/declaration', label: 'nav.cbam.declaration' },
      { to: '/cbam/cost', label: 'nav.cbam.cost' },
    ],
  },
  {
    id: 'ledger',
    title: 'nav.ledger.title',
    items: [{ to: '/ledger', label: 'nav.ledger.overview' }],
  },
];
