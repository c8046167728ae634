import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Db, Queryable } from '../../db/index.js';
import { parseCsv, requireColumns } from '../../kernel/csv.js';
import { AppError } from '../../kernel/errors.js';
import { dataFile } from '../../kernel/paths.js';
import { CURRENT_EDITION, type ConcordanceRow, type EntryInput } from './model.js';
import * as store from './store.js';

const RELATIONS = new Set(['1:1', '1:n', 'n:1', 'n:n']);
const EDITION = /^HS(19|20)\d\d$/;

/** Parses a correlation table (from_edition, from_code, to_edition, to_code, relation); bad rows are listed by line. */
export function parseConcordanceCsv(text: string): ConcordanceRow[] {
  const rows = parseCsv(text, 'concordance');
  requireColumns(rows, ['from_edition', 'from_code', 'to_edition', 'to_code', 'relation'], 'concordance');
  const bad: string[] = [];
  const out: ConcordanceRow[] = [];
  for (const { line, record: r } of rows) {
    const problems: string[] = [];
    const fromCode = (r['from_code'] ?? '').replace(/[.\s]/g, '');
    const toCode = (r['to_code'] ?? '').replace(/[.\s]/g, '');
    if (!EDITION.test(r['from_edition'] ?? '')) problems.push(`from_edition "${r['from_edition']}"`);
    if (!EDITION.test(r['to_edition'] ?? '')) problems.push(`to_edition "${r['to_edition']}"`);
    if (!/^(\d\d){1,5}$/.test(fromCode)) problems.push(`from_code "${r['from_code']}"`);
    if (!/^(\d\d){1,5}$/.test(toCode)) problems.push(`to_code "${r['to_code']}"`);
    if (!RELATIONS.has(r['relation'] ?? ''))
      problems.push(`relation "${r['relation']}" (1:1, 1:n, n:1 or n:n)`);
    if (r['from_edition'] === r['to_edition']) problems.push('from_edition equals to_edition');
    if (problems.length > 0) bad.push(`line ${line}: ${problems.join(', ')}`);
    else
      out.push({
        fromEdition: r['from_edition']!,
        fromCode,
        toEdition: r['to_edition']!,
        toCode,
        relation: r['relation'] as ConcordanceRow['relation'],
      });
  }
  if (bad.length > 0)
    throw new AppError(
      'bad_request',
      `concordance: ${bad.length} bad row(s); nothing imported. ${bad.slice(0, 20).join('; ')}`,
      {
        field: 'file',
        details: { lines: bad.slice(0, 1000) },
      },
    );
  return out;
}

const read = (...p: string[]) => readFileSync(dataFile(...p), 'utf8');
const checksum = (...texts: string[]) => createHash('sha256').update(texts.join('\0')).digest('hex');

async function loadNomenclature(tx: Queryable): Promise<void> {
  const hs = parseCsv(read('hs2022', 'harmonized-system.csv'), 'harmonized-system.csv');
  const sections = parseCsv(read('hs2022', 'sections.csv'), 'sections.csv');
  const zh = parseCsv(read('hs2022', 'names-zh.csv'), 'names-zh.csv');
  const zhOf = new Map(zh.map(({ record: r }) => [`${r['kind']}:${r['code']}`, r['name_zh'] ?? null]));
  const codes = hs.filter(({ record: r }) => ['2', '4', '6'].includes(r['level'] ?? ''));
  await tx.query('DELETE FROM hs_code WHERE edition = $1', [CURRENT_EDITION]);
  await tx.query('DELETE FROM hs_section WHERE edition = $1', [CURRENT_EDITION]);
  await tx.query(
    `INSERT INTO hs_section (edition, id, name, name_zh) SELECT $1, i, n, z FROM unnest($2::text[], $3::text[], $4::text[]) AS x(i, n, z)`,
    [
      CURRENT_EDITION,
      sections.map((s) => s.record['section']),
      sections.map((s) => s.record['name']),
      sections.map((s) => zhOf.get(`section:${s.record['section']}`) ?? null),
    ],
  );
  await tx.query(
    `INSERT INTO hs_code (edition, code, level, parent, section, description, name_zh)
     SELECT $1, c, l::smallint, NULLIF(p, 'TOTAL'), s, d, z
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(c, l, p, s, d, z)`,
    [
      CURRENT_EDITION,
      codes.map((c) => c.record['hscode']),
      codes.map((c) => c.record['level']),
      codes.map((c) => c.record['parent']),
      codes.map((c) => c.record['section']),
      codes.map((c) => c.record['description']),
      codes.map((c) =>
        c.record['level'] === '2' ? (zhOf.get(`chapter:${c.record['hscode']}`) ?? null) : null,
      ),
    ],
  );
}

interface ReferenceList {
  slug: string;
  name: string;
  nameZh: string;
  description: string;
  descriptionZh: string;
  hsEdition: string;
  effectiveFrom: string;
  file: string;
  zhFile?: string;
  changelog: string;
}

/** The published lists shipped in data/lists, loaded once as version 1 of each (then they live on). */
export const REFERENCE_LISTS: readonly ReferenceList[] = [
  {
    slug: 'apec-egs',
    name: 'APEC List of Environmental Goods',
    nameZh: 'APEC环境产品清单',
    description:
      '54 HS 2012 subheadings agreed by APEC Leaders in 2012 (Vladivostok, Annex C), tariffs at 5% or less by 2015. Mapped to HS 2022 through the concordance; split codes are partial.',
    descriptionZh:
      '2012年APEC领导人（符拉迪沃斯托克宣言附件C）商定的54个HS 2012六位子目，2015年底前关税降至5%及以下。经HS转换表映射至HS 2022；被拆分的编码为部分覆盖。',
    hsEdition: 'HS2012',
    effectiveFrom: '2012-09-09',
    file: 'apec-egs.csv',
    zhFile: 'apec-egs.zh.csv',
    changelog: 'APEC Leaders’ Declaration, Vladivostok, 9 September 2012, Annex C',
  },
  {
    slug: 'cbam-annex-i',
    name: 'EU CBAM goods (Regulation (EU) 2023/956, Annex I)',
    nameZh: '欧盟碳边境调节机制（CBAM）覆盖产品（附件一）',
    description:
      'Goods subject to the Carbon Border Adjustment Mechanism by CN code: cement, electricity, fertilisers, iron and steel, aluminium, hydrogen. Prefix rules with exclusions.',
    descriptionZh:
      '按欧盟合并商品目录（CN）编码列出的碳边境调节机制覆盖产品：水泥、电力、化肥、钢铁、铝、氢。按编码前缀匹配，含除外条款。',
    hsEdition: CURRENT_EDITION,
    effectiveFrom: '2023-10-01',
    file: 'cbam-annex-i.csv',
    changelog: 'Regulation (EU) 2023/956, Annex I; transitional period from 1 October 2023',
  },
  {
    slug: 'new-three',
    name: 'China “new three” export products',
    nameZh: '外贸“新三样”产品',
    description: 'Electric vehicles, lithium-ion batteries and solar cells: the headline green exports.',
    descriptionZh: '电动载人汽车、锂离子蓄电池、太阳能电池：绿色出口的代表产品。',
    hsEdition: CURRENT_EDITION,
    effectiveFrom: '2023-01-01',
    file: 'new-three.csv',
    zhFile: 'new-three.zh.csv',
    changelog: 'Electric passenger cars, lithium-ion accumulators, photovoltaic cells and modules',
  },
];

function readListEntries(l: ReferenceList): EntryInput[] {
  const rows = parseCsv(read('lists', l.file), l.file);
  const zh = l.zhFile
    ? new Map(
        parseCsv(read('lists', l.zhFile), l.zhFile).map(({ record: r }) => [r['code'], r['scope_note_zh']]),
      )
    : new Map();
  return rows.map(({ record: r }) => ({
    code: (r['code'] ?? '').replace(/[.\s]/g, ''),
    rule: (r['rule'] ?? 'include') as EntryInput['rule'],
    coverage: (r['coverage'] || 'full') as EntryInput['coverage'],
    category: r['category'] ?? r['sector'] ?? '',
    scopeNote: r['scope_note'] ?? '',
    ...(zh.get(r['code']) ? { scopeNoteZh: zh.get(r['code']) as string } : {}),
  }));
}

export const REFERENCE_ORG = { slug: 'greentrade-reference', name: 'GreenTrade reference data' };

/**
 * Loads the shipped reference data when it is absent or changed: the HS 2022 nomenclature and
 * the HS 2012→2022 concordance are replaced; the published lists are created once and then
 * evolve only through proposals. One transaction for all of it.
 */
export async function loadReferenceData(
  db: Db,
  ensureOrg: (tx: Queryable, slug: string, name: string) => Promise<string>,
): Promise<string[]> {
  const hsFiles = [
    read('hs2022', 'harmonized-system.csv'),
    read('hs2022', 'sections.csv'),
    read('hs2022', 'names-zh.csv'),
  ];
  const concText = read('concordance', 'hs2012-hs2022.csv');
  const loaded: string[] = [];
  await db.transaction(async (tx) => {
    const hsSum = checksum(...hsFiles);
    if ((await store.datasetChecksum(tx, 'hs2022')) !== hsSum) {
      await loadNomenclature(tx);
      await store.recordDataset(tx, 'hs2022', hsSum);
      loaded.push('hs2022');
    }
    const concSum = checksum(concText);
    if ((await store.datasetChecksum(tx, 'concordance:hs2012-hs2022')) !== concSum) {
      await store.insertConcordance(tx, parseConcordanceCsv(concText), 'data/concordance/hs2012-hs2022.csv');
      await store.recordDataset(tx, 'concordance:hs2012-hs2022', concSum);
      loaded.push('concordance:hs2012-hs2022');
    }
    const orgId = await ensureOrg(tx, REFERENCE_ORG.slug, REFERENCE_ORG.name);
    for (const l of REFERENCE_LISTS) {
      if (await store.listSlugExists(tx, l.slug)) continue;
      const listId = await store.insertList(tx, {
        slug: l.slug,
        name: l.name,
        nameZh: l.nameZh,
        description: l.description,
        descriptionZh: l.descriptionZh,
        ownerOrgId: orgId,
        visibility: 'public',
        hsEdition: l.hsEdition,
      });
      await store.insertVersion(tx, {
        listId,
        number: 1,
        hsEdition: l.hsEdition,
        effectiveFrom: l.effectiveFrom,
        changelog: l.changelog,
        createdBy: 'reference data',
        proposalId: null,
        entries: readListEntries(l),
      });
      loaded.push(`list:${l.slug}`);
    }
  });
  return loaded;
}
