import { AppError } from '../../kernel/errors.js';

/**
 * The v2.3 `$filter` subset (spec §8.6.1): `eq lt le gt ge` on created, updated,
 * productCategoryCpc, pcf/geographyCountry, pcf/referencePeriodStart, pcf/referencePeriodEnd;
 * `and`; parentheses; `companyIds/any(x:(x eq '…'))` and the same on productIds. Translated to
 * SQL conditions over `p` (pact_publication) with their own `$1..` parameters: values never
 * enter the SQL text. Anything else is refused with NotImplemented, which the spec allows.
 */
export class NotImplementedFilter extends AppError {
  readonly pactCode = 'NotImplemented';
}

const notImplemented = (why: string) => new NotImplementedFilter('bad_request', `$filter: ${why}`);

type Tok = { t: 'word' | 'str' | '(' | ')' | ':' | '/'; v: string };

function tokens(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw notImplemented('unterminated string');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'str', v });
    } else if ('():/'.includes(ch)) {
      out.push({ t: ch as '(' | ')' | ':' | '/', v: ch });
      i++;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      if (!m) throw notImplemented(`unexpected "${ch}"`);
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

const OPS: Record<string, string> = { eq: '=', lt: '<', le: '<=', gt: '>', ge: '>=' };
const PROPS: Record<string, { sql: string; kind: 'time' | 'text' }> = {
  created: { sql: 'p.created_at', kind: 'time' },
  updated: { sql: 'p.updated_at', kind: 'time' },
  productcategorycpc: { sql: "(p.doc_v2::jsonb ->> 'productCategoryCpc')", kind: 'text' },
  'pcf/geographycountry': { sql: "(p.doc_v2::jsonb -> 'pcf' ->> 'geographyCountry')", kind: 'text' },
  'pcf/referenceperiodstart': {
    sql: "((p.doc_v2::jsonb -> 'pcf' ->> 'referencePeriodStart')::timestamptz)",
    kind: 'time',
  },
  'pcf/referenceperiodend': {
    sql: "((p.doc_v2::jsonb -> 'pcf' ->> 'referencePeriodEnd')::timestamptz)",
    kind: 'time',
  },
};
const COLLECTIONS: Record<string, string> = {
  companyids: 'p.company_ids_lc',
  productids: 'p.product_ids_lc',
};

export function parseODataFilter(src: string): { sql: string; params: unknown[] }[] {
  if (src.length > 2000) throw notImplemented('too long');
  const toks = tokens(src);
  let pos = 0;
  const params: unknown[] = [];
  const peek = () => toks[pos];
  const take = (t?: Tok['t'], v?: string): Tok => {
    const k = toks[pos];
    if (!k || (t && k.t !== t) || (v && k.v.toLowerCase() !== v))
      throw notImplemented(`expected ${v ?? t ?? 'more'} at token ${pos + 1}`);
    pos++;
    return k;
  };
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };

  const expr = (): string => {
    const parts = [term()];
    while (peek()?.t === 'word' && peek()!.v.toLowerCase() === 'and') {
      pos++;
      parts.push(term());
    }
    if (peek()?.t === 'word' && ['or', 'not'].includes(peek()!.v.toLowerCase()))
      throw notImplemented(`"${peek()!.v}" is not supported (and only)`);
    return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
  };

  const term = (): string => {
    if (peek()?.t === '(') {
      pos++;
      const e = expr();
      take(')');
      return e;
    }
    let name = take('word').v;
    while (peek()?.t === '/' && toks[pos + 1]?.t === 'word' && toks[pos + 1]!.v.toLowerCase() !== 'any') {
      pos++;
      name += '/' + take('word').v;
    }
    const key = name.toLowerCase();
    if (peek()?.t === '/' && COLLECTIONS[key]) {
      pos++;
      take('word', 'any');
      take('(');
      const v = take('word').v;
      take(':');
      const paren = peek()?.t === '(';
      if (paren) pos++;
      if (take('word').v !== v) throw notImplemented('the lambda must compare its own variable');
      take('word', 'eq');
      const lit = take('str').v;
      if (paren) take(')');
      take(')');
      return `${COLLECTIONS[key]} && ARRAY[lower(${param(lit)}::text)]`;
    }
    const prop = PROPS[key];
    if (!prop) throw notImplemented(`property "${name}" is not filterable`);
    const op = OPS[take('word').v.toLowerCase()];
    if (!op) throw notImplemented('operators are eq, lt, le, gt, ge');
    const lit = take('str').v;
    if (prop.kind === 'time') {
      if (Number.isNaN(Date.parse(lit)))
        throw new AppError('bad_request', `$filter: "${lit}" is not a date-time`);
      return `${prop.sql} ${op} ${param(new Date(lit).toISOString())}::timestamptz`;
    }
    return `${prop.sql} ${op} ${param(lit)}::text`;
  };

  const sql = expr();
  if (pos !== toks.length) throw notImplemented(`unexpected "${toks[pos]!.v}"`);
  return [{ sql, params }];
}
