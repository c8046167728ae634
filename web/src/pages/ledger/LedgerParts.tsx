import type { ReactNode } from 'react';
import { useLocalize } from '../../format';

/** A hash, key or signature in hex: monospace, and wrapping anywhere instead of overflowing. */
export function Hex({ value, testId }: { value: string; testId?: string }) {
  return (
    <code className="hex" {...(testId ? { 'data-testid': testId } : {})}>
      {value}
    </code>
  );
}

/** A time in the reader's language, with the exact ISO time on hover and in the markup. */
export function Time({ iso }: { iso: string }) {
  const loc = useLocalize();
  return (
    <time dateTime={iso} title={iso}>
      {loc.dateTime(iso)}
    </time>
  );
}

/** Label / value pairs: two columns on wide screens, stacked on a phone. */
export function KeyValues({ rows, testId }: { rows: [string, ReactNode][]; testId?: string }) {
  return (
    <dl className="kv" {...(testId ? { 'data-testid': testId } : {})}>
      {rows.map(([label, value]) => (
        <div className="kv-row" key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Pre-formatted text (JSON, a signed note) that wraps rather than scrolls the page sideways. */
export function Block({ children, testId }: { children: string; testId?: string }) {
  return (
    <pre className="code-block" {...(testId ? { 'data-testid': testId } : {})}>
      {children}
    </pre>
  );
}
