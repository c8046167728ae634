import { useTranslation } from 'react-i18next';
import { Badge } from '../../../components/Badge';

/** Whether a figure is the supplier's data (actual) or a Commission default; `missing`: neither. */
export function SourceBadge({ source }: { source: string }) {
  const { t } = useTranslation();
  return (
    <Badge
      tone={source === 'actual' || source === 'supplier' ? 'green' : source === 'missing' ? 'red' : 'amber'}
      data-testid="source-badge"
      data-source={source}
    >
      {t(`cbam.importer.sources.${source}`, { defaultValue: source })}
    </Badge>
  );
}
