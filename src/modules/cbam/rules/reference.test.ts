import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { DefaultRow, FreeAllocationRow, parseRuleCsv, readRuleFiles } from './reference.js';

describe('the shipped CBAM rules files', () => {
  it('parse, every row valid, with the published figures in them', () => {
    const { data, hash } = readRuleFiles();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(data.categories).toHaveLength(20);
    expect(data.freeAllocation.map((r) => [r.year, r.share])).toEqual([
      [2026, '0.975'],
      [2027, '0.95'],
      [2028, '0.90'],
      [2029, '0.775'],
      [2030, '0.515'],
      [2031, '0.39'],
      [2032, '0.265'],
      [2033, '0.14'],
      [2034, '0'],
    ]);
    // Every provisional default says it is ours.
    for (const d of data.defaults.filter((r) => r.status === 'provisional'))
      expect(d.source).toMatch(/^ours:/);
    // Every Annex I heading has a fallback default ("OTHER") for 2026, published or provisional.
    const other = data.defaults.filter((r) => r.country === 'OTHER').map((r) => r.cn);
    for (const c of data.categories.filter((x) => x.sector !== 'electricity'))
      for (const p of c.cn_prefixes)
        expect(
          other.some((o) => p.startsWith(o) || o.startsWith(p)),
          `${c.category} ${p}`,
        ).toBe(true);
  });

  it('stops at a bad row, naming the file and the line', () => {
    const csv = 'year,share,source\n2026,0.975,ok\n2027,1.5,too much\n';
    const e = ((): unknown => {
      try {
        parseRuleCsv(csv, 'free-allocation.csv', FreeAllocationRow);
        return null;
      } catch (x) {
        return x;
      }
    })() as AppError;
    expect(e).toBeInstanceOf(AppError);
    expect(e.message).toBe('data/cbam/free-allocation.csv line 3: share: a share from 0 to 1');
    expect(e.field).toBe('free-allocation.csv:3');
    expect(() =>
      parseRuleCsv(
        'country,cn,direct,indirect,from_year,to_year,status,source\nCHN,7208,1,0,2026,,published,x\n',
        'defaults.csv',
        DefaultRow,
      ),
    ).toThrow(/defaults.csv line 2: country/);
  });
});
