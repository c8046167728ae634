import { describe, expect, it } from 'vitest';
import { compileList, matchCode, type SourceEntry, type ConcordanceTarget } from './matcher.js';

const entry = (code: string, extra: Partial<SourceEntry> = {}): SourceEntry => ({
  code,
  rule: 'include',
  coverage: 'full',
  category: '',
  scopeNote: '',
  scopeNoteZh: null,
  ...extra,
});
const meta = { slug: 't', name: 'T', nameZh: null, version: { number: 1, effectiveFrom: '2020-01-01' } };
const current = (entries: SourceEntry[]) => compileList(meta, entries, 'HS2022', 'HS2022', () => []);

describe('matchCode: prefix rules with exclusions (CBAM-style)', () => {
  // Hand-built from Annex I's fertiliser rule: "3105 (except 3105 60 00)".
  const cbam = current([
    entry('3105'),
    entry('31056000', { rule: 'exclude' }),
    entry('25070080'),
    entry('7201'),
  ]);

  it('a subheading under an included heading is fully covered', () => {
    expect(matchCode(cbam, '310510').status).toBe('full');
    expect(matchCode(cbam, '72011000').status).toBe('full');
  });
  it('the excluded line and anything under it are off the list', () => {
    expect(matchCode(cbam, '31056000').status).toBe('none');
    expect(matchCode(cbam, '3105600010').status).toBe('none');
  });
  it('a code containing an exclusion is only partly covered', () => {
    expect(matchCode(cbam, '3105').status).toBe('partial');
    expect(matchCode(cbam, '310560').status).toBe('partial');
  });
  it('an HS6 code of which one CN line is listed is partial; the CN line itself is full', () => {
    expect(matchCode(cbam, '250700').status).toBe('partial');
    expect(matchCode(cbam, '25070080').status).toBe('full');
    expect(matchCode(cbam, '25070020').status).toBe('none');
  });
  it('a chapter holding listed headings is partial; an unrelated code is none', () => {
    expect(matchCode(cbam, '72').status).toBe('partial');
    expect(matchCode(cbam, '7204').status).toBe('none');
    expect(matchCode(cbam, '010121').status).toBe('none');
  });
  it('reports the entries that decided', () => {
    expect(
      matchCode(cbam, '3105')
        .entries.map((e) => `${e.rule}:${e.code}`)
        .sort(),
    ).toEqual(['exclude:31056000', 'include:3105']);
  });
});

describe('compileList across editions', () => {
  // HS2012 854140 split into four HS2022 codes; 841960 unchanged (1:1).
  const rows: Record<string, ConcordanceTarget[]> = {
    '854140': ['854141', '854142', '854143', '854149'].map((to) => ({
      fromCode: '854140',
      toCode: to,
      relation: '1:n' as const,
    })),
    '841960': [{ fromCode: '841960', toCode: '841960', relation: '1:1' }],
  };
  const list = compileList(
    meta,
    [entry('854140'), entry('841960'), entry('999999')],
    'HS2012',
    'HS2022',
    (c) => rows[c] ?? [],
  );

  it('a split code is partial in the new edition, and says where it came from', () => {
    const m = matchCode(list, '854143');
    expect(m.status).toBe('partial');
    expect(m.entries[0]?.via).toEqual({ fromEdition: 'HS2012', fromCode: '854140', relation: '1:n' });
  });
  it('a 1:1 code keeps its coverage', () => {
    expect(matchCode(list, '841960').status).toBe('full');
  });
  it('a code with no concordance row is reported unmapped, not guessed', () => {
    expect(list.unmapped.map((e) => e.code)).toEqual(['999999']);
    expect(matchCode(list, '999999').status).toBe('none');
  });
});
