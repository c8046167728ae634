/**
 * A decimal string for reading, at most `dp` places, grouped for the language. Done on the
 * string (no float): the API's decimals keep every digit, this only shortens them for display.
 */
export function fmtDecimal(v: string | number | null | undefined, _lang: string, dp = 3): string {
  if (v === null || v === undefined || v === '') return '–';
  const s = String(v).trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = ''] = m;
  // Round half up on the digits.
  let digits = (int! + frac.padEnd(dp, '0').slice(0, dp)).split('').map(Number);
  if (Number(frac[dp] ?? 0) >= 5) {
    let i = digits.length - 1;
    while (i >= 0) {
      if (digits[i]! < 9) {
        digits[i]!++;
        break;
      }
      digits[i] = 0;
      i--;
    }
    if (i < 0) digits = [1, ...digits];
  }
  const whole = digits.slice(0, digits.length - dp).join('') || '0';
  const part = digits
    .slice(digits.length - dp)
    .join('')
    .replace(/0+$/, '');
  // Both languages group thousands with a comma.
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const out = part ? `${grouped}.${part}` : grouped;
  return sign && out !== '0' ? `-${out}` : out;
}
