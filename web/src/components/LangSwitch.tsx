import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage, type Lang } from '../i18n';

const LABELS: Record<Lang, string> = { en: 'English', 'zh-CN': '中文' };

export function LangSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="lang-switch">
      <span className="visually-hidden">{t('header.language')}</span>
      <span aria-hidden="true" className="lang-icon">
        文A
      </span>
      <select
        data-testid="lang-switch"
        value={i18n.language}
        onChange={(e) => setLanguage(e.target.value as Lang)}
        aria-label={t('header.language')}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LABELS[l]}
          </option>
        ))}
      </select>
    </label>
  );
}
