import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../kernel/errors.js';
import { classifyFile, splitCsvRecord } from './classify-file.js';
import { compileList, type SourceEntry } from './matcher.js';

const entry = (code: string, extra: Partial<SourceEntry> = {}): SourceEntry => ({
  code,
  rule: 'include',
  coverage: 'full',
  category: 'solar',
  scopeNote: '',
  scopeNoteZh: null,
  ...extra,
});
const lists = [
  compileList(
    { slug: 'pv', name: 'PV', nameZh: null, version: null },
    [entry('854143'), entry('854142', { coverage: 'partial' })],
    'HS2022',
    'HS2022',
    () => [],
  ),
  compileList(
    { slug: 'steel', name: 'Steel', nameZh: null, version: null },
    [entry('72', { category: 'iron_steel' }), entry('7204', { rule: 'exclude' })],
    'HS2022',
    'HS2022',
    () => [],
  ),
];
const dir = () => mkdtempSync(join(tmpdir(), 'gt-classify-'));

describe('splitCsvRecord (RFC 4180)', () => {
  it('splits plain, quoted, escaped and empty fields', () => {
    expect(splitCsvRecord('a,"b,c","say ""hi""",,e')).toEqual(['a', 'b,c', 'say "hi"', '', 'e']);
    expect(splitCsvRecord('"line\nbreak",x')).toEqual(['line\nbreak', 'x']);
    expect(splitCsvRecord('')).toEqual(['']);
  });
  it('agrees with csv-parse on a tricky record', () => {
    const rec = '"1,2",,"""q""",plain,"multi\nline"';
    expect(splitCsvRecord(rec)).toEqual((parse(rec) as string[][])[0]);
  });
});

describe('classifyFile', () => {
  it('appends a status and a category column per list and keeps every input column', async () => {
    const d = dir();
    const input = join(d, 'goods.csv');
    writeFileSync(
      input,
      'id,description,hs_code\n1,"Modules, 400 W",8541.43\n2,scrap,720410\n3,"bars ""A""",7214\n4,wine,220421\n5,cells,854142\n',
    );
    const result = await classifyFile({ input, output: join(d, 'out.csv'), column: 'hs_code', lists });
    expect(result.rows).toBe(5);
    const rows = parse(readFileSync(join(d, 'out.csv'), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    // Expected by hand from the two lists above.
    expect(rows.map((r) => [r['id'], r['pv'], r['steel'], r['steel_categories']])).toEqual([
      ['1', 'full', 'none', ''],
      ['2', 'none', 'none', ''],
      ['3', 'none', 'full', 'iron_steel'],
      ['4', 'none', 'none', ''],
      ['5', 'partial', 'none', ''],
    ]);
    expect(rows[0]?.['description']).toBe('Modules, 400 W');
    expect(rows[2]?.['description']).toBe('bars "A"');
  });

  it('reads a record with a line break inside quotes, CRLF endings and a BOM', async () => {
    const d = dir();
    const input = join(d, 'g.csv');
    writeFileSync(input, '\uFEFFhs_code,note\r\n854143,"two\r\nlines"\r\n7208,x\r\n');
    await classifyFile({ input, output: join(d, 'o.csv'), column: 'hs_code', lists });
    const rows = parse(readFileSync(join(d, 'o.csv'), 'utf8'), { columns: true, bom: true }) as Record<
      string,
      string
    >[];
    expect(rows.map((r) => [r['hs_code'], r['note'], r['pv'], r['steel']])).toEqual([
      ['854143', 'two\r\nlines', 'full', 'none'],
      ['7208', 'x', 'none', 'full'],
    ]);
  });

  it('names every bad line, writes nothing, and leaves no temporary file', async () => {
    const d = dir();
    const input = join(d, 'bad.csv');
    writeFileSync(input, 'hs_code,x\n854143,a\nABC123,b\n8541,c\n85414,d\n,e\n');
    const out = join(d, 'out.csv');
    const err = await classifyFile({ input, output: out, column: 'hs_code', lists }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    const message = (err as AppError).message;
    expect(message).toContain('3 bad row(s)');
    expect(message).toMatch(/line 3: "ABC123"/);
    expect(message).toMatch(/line 5: "85414"/);
    expect(message).toMatch(/line 6: empty hs_code/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(d)).toEqual(['bad.csv']);
  });

  it('refuses a missing column, naming the columns it has', async () => {
    const d = dir();
    const input = join(d, 'g.csv');
    writeFileSync(input, 'code,x\n854143,a\n');
    await expect(classifyFile({ input, output: join(d, 'o.csv'), column: 'hs_code', lists })).rejects.toThrow(
      /no column "hs_code".*code, x/,
    );
  });

  it('handles a file larger than the read buffer, with chunk boundaries inside records', async () => {
    const d = dir();
    const input = join(d, 'big.csv');
    const codes = ['854143', '720410', '721420', '854142', '010121'];
    const n = 60_000; // ~2.5 MB: several 1 MiB chunks
    let text = 'id,hs_code,pad\n';
    for (let i = 0; i < n; i++) text += `${i},${codes[i % 5]},${'x'.repeat(i % 37)}\n`;
    writeFileSync(input, text);
    const r = await classifyFile({ input, output: join(d, 'o.csv'), column: 'hs_code', lists });
    expect(r.rows).toBe(n);
    const out = readFileSync(join(d, 'o.csv'), 'utf8').trimEnd().split('\n');
    expect(out).toHaveLength(n + 1);
    const expected = [
      'full,solar,none,',
      'none,,none,',
      'none,,full,iron_steel',
      'partial,solar,none,',
      'none,,none,',
    ];
    for (const i of [0, 1, 2, 3, 4, 12_345, n - 1]) expect(out[i + 1]!.endsWith(expected[i % 5]!)).toBe(true);
  });
});

describe('classifyFile in pieces', () => {
  /** A file of n rows: codes at every level, dotted and spaced, some quoted descriptions, pads. */
  const goods = (n: number, eol = '\n', extra: (i: number) => string = () => '') => {
    const codes = [
      '854143',
      '8541.43',
      '720410',
      '7214 20',
      '854142',
      '010121',
      '72',
      '85414300',
      '8541430010',
    ];
    let text = `id,description,hs_code,pad${eol}`;
    for (let i = 0; i < n; i++) {
      const desc = i % 7 === 0 ? `"goods, lot ${i}"` : `goods ${i}`;
      text += `${i},${desc},${codes[i % codes.length]},${extra(i) || 'x'.repeat(i % 23)}${eol}`;
    }
    return text;
  };
  const run = async (text: string, options: Record<string, number>) => {
    const d = dir();
    const input = join(d, 'in.csv');
    writeFileSync(input, text);
    const output = join(d, 'out.csv');
    const result = await classifyFile({ input, output, column: 'hs_code', lists, ...options });
    return { result, text: readFileSync(output, 'utf8') };
  };
  // Expected by hand from the two lists at the top, per code of goods(): pv, pv_categories, steel,
  // steel_categories. 72 is partial on steel: the exclusion 7204 lies inside it.
  const expected: Record<string, string> = {
    '854143': 'full,solar,none,',
    '8541.43': 'full,solar,none,',
    '720410': 'none,,none,',
    '7214 20': 'none,,full,iron_steel',
    '854142': 'partial,solar,none,',
    '010121': 'none,,none,',
    '72': 'none,,partial,iron_steel',
    '85414300': 'full,solar,none,',
    '8541430010': 'full,solar,none,',
  };

  it('classifies across many small blocks, with LF and with CRLF, as with one big block', async () => {
    for (const eol of ['\n', '\r\n']) {
      const text = goods(3000, eol);
      const big = await run(text, {});
      const small = await run(text, { blockBytes: 1024 });
      expect(small.result.rows).toBe(3000);
      expect(small.text).toBe(big.text);
      const rows = parse(small.text, { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(3000);
      for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8, 1234, 2999]) {
        const r = rows[i]!;
        expect(r['id']).toBe(String(i));
        expect([r['pv'], r['pv_categories'], r['steel'], r['steel_categories']].join(',')).toBe(
          expected[r['hs_code']!],
        );
      }
    }
  });

  it('reads quoted line breaks that fall across block boundaries', async () => {
    const text = goods(3000, '\n', (i) => (i % 50 === 0 ? '"first\nsecond"' : ''));
    const big = await run(text, {});
    const small = await run(text, { blockBytes: 1024 });
    expect(small.text).toBe(big.text);
    const rows = parse(small.text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(3000);
    expect(rows[2950]).toMatchObject({ id: '2950', hs_code: '85414300', pad: 'first\nsecond', pv: 'full' });
  });

  it('counts line numbers across blocks when naming a bad line', async () => {
    const text = goods(3000).replace('\n2500,goods 2500,', '\n2500,goods 2500,X');
    const d = dir();
    const input = join(d, 'in.csv');
    writeFileSync(input, text);
    const err = await classifyFile({
      input,
      output: join(d, 'o.csv'),
      column: 'hs_code',
      lists,
      blockBytes: 1024,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    // Row 2500 is on line 2502 (the header is line 1, row 0 is line 2).
    expect((err as AppError).message).toMatch(/1 bad row\(s\).*line 2502: "X/);
    expect(readdirSync(d)).toEqual(['in.csv']);
  });

  it('keeps working when the memoised columns and the output block overflow', async () => {
    const text = goods(2000);
    const one = await run(text, {});
    const small = await run(text, { blockBytes: 256, cacheBytes: 64 });
    expect(small.text).toBe(one.text);
  });

  it('refuses a line longer than the read block, naming it', async () => {
    const d = dir();
    const input = join(d, 'in.csv');
    writeFileSync(input, `hs_code,pad\n854143,a\n854143,${'y'.repeat(500)}\n`);
    await expect(
      classifyFile({
        input,
        output: join(d, 'o.csv'),
        column: 'hs_code',
        lists,
        blockBytes: 256,
      }),
    ).rejects.toThrow(/line 3 is longer than 256 bytes/);
    expect(readdirSync(d)).toEqual(['in.csv']);
  });
});
