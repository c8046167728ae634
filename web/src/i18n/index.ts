import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import zhCN from './zh-CN.json';
// Each page group keeps its own strings, so that teams working on different modules do not edit one file.
import factorsEn from '../pages/footprint/factors/i18n/en.json';
import factorsZh from '../pages/footprint/factors/i18n/zh-CN.json';
import productsEn from '../pages/footprint/products/i18n/en.json';
import productsZh from '../pages/footprint/products/i18n/zh-CN.json';
import pactHostEn from '../pages/exchange/published/i18n/en.json';
import pactHostZh from '../pages/exchange/published/i18n/zh-CN.json';
import pactClientEn from '../pages/exchange/connections/i18n/en.json';
import pactClientZh from '../pages/exchange/connections/i18n/zh-CN.json';
import registryAccountsEn from '../pages/registry/accounts/i18n/en.json';
import registryAccountsZh from '../pages/registry/accounts/i18n/zh-CN.json';
import registryProjectsEn from '../pages/registry/projects/i18n/en.json';
import registryProjectsZh from '../pages/registry/projects/i18n/zh-CN.json';
import registryArticle6En from '../pages/registry/article6/i18n/en.json';
import registryArticle6Zh from '../pages/registry/article6/i18n/zh-CN.json';
import registryInteropEn from '../pages/registry/interop/i18n/en.json';
import registryInteropZh from '../pages/registry/interop/i18n/zh-CN.json';
import registryCertificatesEn from '../pages/registry/certificates/i18n/en.json';
import registryCertificatesZh from '../pages/registry/certificates/i18n/zh-CN.json';
import registryExplorerEn from '../pages/registry/explorer/i18n/en.json';
import registryExplorerZh from '../pages/registry/explorer/i18n/zh-CN.json';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const STORAGE_KEY = 'greentrade.lang';

const isLang = (v: unknown): v is Lang =>
  typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);

/** The saved choice, else the browser's language: any Chinese → zh-CN, anything else → en. */
export function initialLanguage(): Lang {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (isLang(saved)) return saved;
  } catch {
    // storage can be disabled; fall through to the browser's language
  }
  const nav = typeof navigator === 'undefined' ? '' : (navigator.languages?.[0] ?? navigator.language ?? '');
  return nav.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

function applyToDocument(lang: string): void {
  document.documentElement.lang = lang;
  document.title = i18n.t('app.title');
}

export function setLanguage(lang: Lang): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered, but still switched
  }
  void i18n.changeLanguage(lang);
}

void i18n.use(initReactI18next).init({
  resources: {
    en: {
      translation: {
        ...en,
        factors: factorsEn,
        products: productsEn,
        pactHost: pactHostEn,
        pactClient: pactClientEn,
        registryAccounts: registryAccountsEn,
        registryProjects: registryProjectsEn,
        registryArticle6: registryArticle6En,
        registryInterop: registryInteropEn,
        registryCertificates: registryCertificatesEn,
        registryExplorer: registryExplorerEn,
      },
    },
    'zh-CN': {
      translation: {
        ...zhCN,
        factors: factorsZh,
        products: productsZh,
        pactHost: pactHostZh,
        pactClient: pactClientZh,
        registryAccounts: registryAccountsZh,
        registryProjects: registryProjectsZh,
        registryArticle6: registryArticle6Zh,
        registryInterop: registryInteropZh,
        registryCertificates: registryCertificatesZh,
        registryExplorer: registryExplorerZh,
      },
    },
  },
  lng: initialLanguage(),
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});

applyToDocument(i18n.language);
i18n.on('languageChanged', applyToDocument);

/** The current language as one of ours. */
export const currentLang = (): Lang => (isLang(i18n.language) ? i18n.language : 'en');

export default i18n;
