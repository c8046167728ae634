import { describe, expect, it } from 'vitest';
import { checkFigures, checkSchema, cnCodesOf } from './validate.js';
import { commFile, stubScope, stubSnapshot } from './testing.js';

const check = (file: unknown) => {
  const s = checkSchema(file);
  if (!s.parsed) return { goods: [], issues: s.issues };
  return checkFigures(s.parsed, new Map(cnCodesOf(s.parsed).map((c) => [c, stubScope(c)])), stubSnapshot());
};

describe('supplier file checks', () => {
  it('accepts a complete file and keeps its goods with their sector', () => {
    const r = check(commFile());
    expect(r.issues).toEqual([]);
    expect(r.goods).toEqual([
      {
        cn: '72085120',
        sector: 'iron_steel',
        seeDirect: '1.9',
        seeIndirect: '0.4',
        seeTotal: '2.3',
        source: 'actual',
        route: null,
      },
    ]);
  });

  it('refuses a file of another format or with broken installation data, naming the field', () => {
    expect(check({ ...commFile(), format: 'other/1' }).issues[0]!.message).toBe(
      'format: expected "greentrade.cbam.communication/1", found "other/1"',
    );
    const f = commFile();
    (f.data.installation as { country: string }).country = 'China';
    expect(check(f).issues[0]!.field).toBe('data.installation.country');
  });

  it('refuses implausible figures, zero production, out-of-scope codes and missing indirect emissions', () => {
    expect(
      check(commFile({ goods: [{ cn: '72085120', seeDirect: '150', seeIndirect: '0' }] })).issues[0]!.message,
    ).toBe('results.goods.0.seeDirect: 150 t CO2e/t for CN 72085120 is not plausible (must be below 100)');
    expect(
      check(commFile({ goods: [{ cn: '72085120', seeDirect: '-1', seeIndirect: '0' }] })).issues[0]!.field,
    ).toBe('results.goods.0.seeDirect');
    expect(check(commFile({ production: '0' })).issues[0]!.message).toContain(
      'production 0; it must be above 0',
    );
    expect(
      check(commFile({ goods: [{ cn: '84713000', seeDirect: '1', seeIndirect: '0' }] })).issues[0]!.message,
    ).toContain('CN 84713000 is not a CBAM good');
    // Cement counts indirect emissions in 2026: a cement good without seeIndirect is incomplete.
    const cement = commFile({
      goods: [{ cn: '25231000', seeDirect: '0.8', seeIndirect: '0', sector: 'cement' }],
    });
    delete (cement.results.goods[0] as { seeIndirect?: string }).seeIndirect;
    expect(check(cement).issues[0]!.message).toBe(
      'results.goods.0.seeIndirect: CN 25231000 (cement) needs indirect emissions, which count for cement in 2026',
    );
    // A process's CN code with no good in the results.
    const f = commFile();
    f.data.processes[0]!.cnCodes.push('72085190');
    expect(check(f).issues.map((i) => i.field)).toContain('data.processes.0.cnCodes.1');
    // No direct figure.
    const g = commFile();
    delete (g.results.goods[0] as { seeDirect?: string }).seeDirect;
    expect(check(g).issues[0]!.message).toBe(
      'results.goods.0.seeDirect: CN 72085120 has no direct specific embedded emissions',
    );
  });
});
