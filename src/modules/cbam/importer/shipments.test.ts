import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { parseShipmentsCsv, refuse, resolveShipments, type CnLookup } from './shipments.js';
import { stubScope } from './testing.js';

const HEADER = 'reference,importDate,cn,countryOfOrigin,netMass,unit,installation';
const lookupOf = (codes: string[], unknown: string[] = []) =>
  new Map<string, CnLookup>(
    codes.map((c) => [
      c,
      unknown.includes(c) ? { known: false, scope: null } : { known: true, scope: stubScope(c) },
    ]),
  );
const run = (csv: string, unknown: string[] = []) => {
  const p = parseShipmentsCsv(csv);
  const r = resolveShipments(p.lines, lookupOf([...new Set(p.lines.map((l) => l.cn))], unknown));
  return { rows: r.rows, issues: [...p.issues, ...r.issues].sort((a, b) => a.line - b.line) };
};

describe('shipments CSV', () => {
  it('reads good lines, converting kg to t and keeping MWh for electricity', () => {
    const r = run(
      [
        HEADER,
        'C-1,2026-01-10,7208 51 20,cn,100,t,Hebei Test Steel Works',
        'C-2,2026-02-10,76011000,IN,48200,kg,',
        'C-3,2026-03-10,27160000,RS,12.5,MWh,',
      ].join('\n'),
    );
    expect(r.issues).toEqual([]);
    expect(
      r.rows.map((x) => [x.line, x.reference, x.cn, x.countryOfOrigin, x.sector, x.netMass, x.installation]),
    ).toEqual([
      [2, 'C-1', '72085120', 'CN', 'iron_steel', '100', 'Hebei Test Steel Works'],
      // 48200 kg / 1000 = 48.2 t
      [3, 'C-2', '76011000', 'IN', 'aluminium', '48.2', null],
      [4, 'C-3', '27160000', 'RS', 'electricity', '12.5', null],
    ]);
  });

  it('names the line and column of every bad value', () => {
    const r = run(
      [
        HEADER, // line 1
        'C-1,2026-01-10,72085120,CN,100,t,', // 2 ok
        'C-2,2026-13-01,72085120,CN,100,t,', // 3 bad date
        'C-3,2026-01-10,99999999,CN,100,t,', // 4 unknown CN
        'C-4,2026-01-10,84713000,CN,100,t,', // 5 out of scope (laptops)
        'C-1,2026-01-10,72085120,CN,100,t,', // 6 duplicate reference
        'C-6,2026-01-10,72085120,CN,100,m3,', // 7 volume for a mass
        'C-7,2026-01-10,72085120,CN,-4,t,', // 8 negative mass
        'C-8,2026-01-10,72085120,CN,4,MWh,', // 9 energy for steel
        'C-9,2026-01-10,27160000,RS,4,t,', // 10 mass for electricity
        'C-10,2026-01-10,72085120,China,4,t,', // 11 bad country
        'C-11,2026-01-10,72085120,CN,4,bushel,', // 12 unknown unit
      ].join('\n'),
      ['99999999'],
    );
    expect(r.rows.map((x) => x.reference)).toEqual(['C-1']);
    expect(r.issues.map((i) => i.message)).toEqual([
      "line 3, importDate: '2026-13-01' is not a date (YYYY-MM-DD)",
      "line 4, cn: '99999999' is not a known CN code",
      "line 5, cn: '84713000' is not a CBAM good and does not belong in a CBAM declaration (84713000 is not in Annex I)",
      "line 6, reference: 'C-1' is a duplicate of line 2",
      "line 7, unit: 'm3' is not a mass",
      "line 8, netMass: '-4' is not a positive decimal number",
      "line 9, unit: 'MWh' is not a mass",
      "line 10, unit: 't' is not an energy (electricity is declared in MWh)",
      "line 11, countryOfOrigin: 'China' is not an ISO 3166-1 alpha-2 code",
      "line 12, unit: 'bushel' is not a known unit (t, kg, MWh)",
    ]);
    try {
      refuse(r.issues);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).field).toBe('lines.3.importDate');
      expect((e as AppError).message).toBe(
        "line 3, importDate: '2026-13-01' is not a date (YYYY-MM-DD) (and 9 more)",
      );
      expect((e as AppError).status).toBe(400);
    }
  });

  it('refuses a header without the required columns, and more than 50,000 lines', () => {
    expect(() => parseShipmentsCsv('reference,importDate,cn\nA,2026-01-01,72085120')).toThrow(
      /line 1: the header lacks countryOfOrigin, netMass, unit/,
    );
    const big = [
      HEADER,
      ...Array.from({ length: 50_001 }, (_, i) => `R${i},2026-01-01,72085120,CN,1,t,`),
    ].join('\n');
    expect(() => parseShipmentsCsv(big)).toThrow(/over 50000 shipments/);
  });
});
