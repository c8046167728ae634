import { useTranslation } from 'react-i18next';

/** "HS2012" → "HS 2012"; anything else unchanged. */
export const formatEdition = (edition: string): string => edition.replace(/^HS\s*(\d{4})$/i, 'HS $1');

/** The name to show in the current language: the Chinese one when there is one and we show Chinese. */
/** "renewable_energy" → "Renewable energy": a category key nobody translated yet, made readable. */
export const humanize = (key: string): string => {
  const words = key.replace(/[_-]+/g, ' ').trim();
  return /^[a-z0-9 ]+$/.test(words) ? words.charAt(0).toUpperCase() + words.slice(1) : key;
};

export function useLocalize() {
  const { t, i18n } = useTranslation();
  const zh = i18n.language === 'zh-CN';
  return {
    zh,
    lang: i18n.language,
    name: (o: { name: string; nameZh?: string | null | undefined }): string =>
      zh && o.nameZh ? o.nameZh : o.name,
    /** A list entry's category: known keys are translated, others shown readably. */
    category: (key: string | null | undefined): string =>
      key ? t(`category.${key}`, { defaultValue: humanize(key) }) : '',
    text: (en: string | null | undefined, zhText?: string | null): string =>
      zh && zhText ? zhText : (en ?? ''),
    /** A timestamp in the reader's language; plain YYYY-MM-DD dates are shown as they are. */
    dateTime: (iso: string | null | undefined): string => {
      if (!iso) return '';
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) return iso;
      return new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
    },
  };
}

/** Today as YYYY-MM-DD in local time. */
export function today(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
