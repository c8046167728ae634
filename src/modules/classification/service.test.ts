import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../kernel/access.js';
import { AppError } from '../../kernel/errors.js';
import { openTestPlatform } from '../../testing/db.js';
import { identityAdmin } from '../identity/index.js';
import type { ClassificationService } from './service.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let svc: ClassificationService;
let authority: Principal; // maintains the national list
let deputy: Principal; // a second maintainer of the same authority
let exporter: Principal; // another organisation
let outsider: Principal;

const person = (
  id: string,
  name: string,
  orgId: string,
  role: Principal['memberships'][number]['role'],
): Principal => ({
  kind: 'user',
  id,
  name,
  memberships: [{ orgId, role }],
});

beforeAll(async () => {
  platform = await openTestPlatform();
  svc = platform.classification;
  const authOrg = await identityAdmin.ensureOrg(platform.db, 'test-authority', 'Test Authority');
  const expOrg = await identityAdmin.ensureOrg(platform.db, 'test-exporter', 'Test Exporter');
  const otherOrg = await identityAdmin.ensureOrg(platform.db, 'test-other', 'Other');
  authority = person('00000000-0000-4000-8000-000000000001', 'Regulator One', authOrg, 'regulator');
  deputy = person('00000000-0000-4000-8000-000000000002', 'Regulator Two', authOrg, 'admin');
  exporter = person('00000000-0000-4000-8000-000000000003', 'Exporter', expOrg, 'member');
  outsider = person('00000000-0000-4000-8000-000000000004', 'Outsider', otherOrg, 'admin');
});
afterAll(async () => platform?.dispose());

describe('reference data', () => {
  it('loads the whole HS 2022 nomenclature (counts from the dataset note: 97 chapters, 1,229 headings, 5,613 subheadings)', async () => {
    const rows = await platform.db.query<{ level: number; n: number }>(
      "SELECT level, count(*)::int AS n FROM hs_code WHERE edition = 'HS2022' GROUP BY level ORDER BY level",
    );
    expect(rows).toEqual([
      { level: 2, n: 97 },
      { level: 4, n: 1229 },
      { level: 6, n: 5613 },
    ]);
  });

  it('ships the APEC list as 54 HS 2012 subheadings, every one mapped to HS 2022', async () => {
    const v = await svc.getVersion('apec-egs', 1, 'system');
    expect(v.entries).toHaveLength(54);
    expect(v.version.hsEdition).toBe('HS2012');
    expect(v.unmapped).toEqual([]);
  });

  it('a second load changes nothing (idempotent)', async () => {
    const { loadReferenceData } = await import('./reference.js');
    expect(await loadReferenceData(platform.db, identityAdmin.ensureOrg)).toEqual([]);
  });
});

describe('look-up', () => {
  it('finds codes by words, best first', async () => {
    const r = await svc.search('photovoltaic', 10);
    expect(r.results.map((x) => x.code)).toEqual(expect.arrayContaining(['854142', '854143']));
    expect(r.results[0]?.description.toLowerCase()).toContain('photovoltaic');
  });
  it('finds chapters by their Chinese names', async () => {
    const r = await svc.search('钢铁', 10);
    expect(r.results.map((x) => x.code)).toEqual(['72', '73']);
  });
  it('finds codes by prefix', async () => {
    const r = await svc.search('8541', 50);
    expect(r.results[0]?.code).toBe('8541');
    expect(r.results.every((x) => x.code.startsWith('8541'))).toBe(true);
  });
  it('gives the hierarchy and list memberships of a code (854143: PV modules)', async () => {
    const d = await svc.getCode('8541.43', exporter);
    expect(d.ancestors.map((a) => a.code)).toEqual(['85', '8541']);
    expect(d.section.id).toBe('XVI');
    const by = Object.fromEntries(d.memberships.map((m) => [m.list.slug, m]));
    // APEC's 854140 (HS 2012) was split 1:n in HS 2022: partial, traced to its origin.
    expect(by['apec-egs']?.status).toBe('partial');
    expect(by['apec-egs']?.entries[0]?.via).toEqual({
      fromEdition: 'HS2012',
      fromCode: '854140',
      relation: '1:n',
    });
    expect(by['new-three']?.status).toBe('full');
    expect(by['cbam-annex-i']?.status).toBe('none');
    expect(d.formerCodes).toContainEqual({ edition: 'HS2012', code: '854140', relation: '1:n' });
  });
  it('covers CBAM goods by prefix with the fertiliser exclusion', async () => {
    const r = await svc.classify(['310520', '31056000', '720851', '720410', '250700', '25070080'], exporter, {
      lists: ['cbam-annex-i'],
    });
    expect(r.results.map((x) => x.memberships[0]?.status)).toEqual([
      'full',
      'none',
      'full',
      'none',
      'partial',
      'full',
    ]);
  });
  it('rejects a malformed code naming the value, and answers an unknown one with the nearest codes', async () => {
    await expect(svc.getCode('85A143', exporter)).rejects.toThrow(/"85A143" is not an HS code/);
    await expect(svc.getCode('85414', exporter)).rejects.toThrow(/5 digits/);
    const err = (await svc.getCode('854150', exporter).catch((e: unknown) => e)) as AppError;
    expect(err.status).toBe(404);
    const nearest = (err.details?.['nearest'] as { code: string }[]).map((n) => n.code);
    expect(nearest).toContain('854149');
    expect(nearest.every((c) => c.startsWith('8541'))).toBe(true);
  });
});

describe('a living list: proposals, review, versions, diffs, as-of', () => {
  const slug = 'test-national-green';

  it('a maintainer creates a list with its first version', async () => {
    const list = await svc.createList(
      {
        slug,
        name: 'National green-trade classification',
        description: '',
        hsEdition: 'HS2022',
        visibility: 'private',
        effectiveFrom: '2024-01-01',
        entries: [
          { code: '854143', rule: 'include', coverage: 'full', category: 'solar', scopeNote: 'PV modules' },
          { code: '850760', rule: 'include', coverage: 'full', category: 'battery', scopeNote: 'Li-ion' },
          {
            code: '8502',
            rule: 'include',
            coverage: 'partial',
            category: 'wind',
            scopeNote: 'wind generating sets only',
          },
        ],
      },
      authority,
    );
    expect(list.currentVersion).toEqual({ number: 1, effectiveFrom: '2024-01-01' });
    expect(list.canMaintain).toBe(true);
  });

  it('a private list is invisible to other organisations', async () => {
    await expect(svc.getList(slug, exporter)).rejects.toMatchObject({ status: 404 });
    expect((await svc.lists(exporter)).map((l) => l.slug)).not.toContain(slug);
  });

  it('refuses a list with a code that is not in HS 2022, naming the entry', async () => {
    await expect(
      svc.createList(
        {
          slug: 'bad-list',
          name: 'x',
          description: '',
          hsEdition: 'HS2022',
          visibility: 'private',
          effectiveFrom: '2024-01-01',
          entries: [{ code: '010111', rule: 'include', coverage: 'full', category: '', scopeNote: '' }],
        },
        authority,
      ),
    ).rejects.toMatchObject({ field: 'entries.0.code' });
    expect((await svc.lists('system')).map((l) => l.slug)).not.toContain('bad-list');
  });

  let proposalId = '';
  it('anyone who can see the list proposes; the proposal names a change that does not fit', async () => {
    await expect(
      svc.createProposal(
        slug,
        {
          title: 'x',
          reason: 'y',
          effectiveFrom: '2025-01-01',
          changes: [{ action: 'add', code: '854143', rule: 'include', reason: 'dup' }],
        },
        deputy,
      ),
    ).rejects.toMatchObject({ field: 'changes.0.code', status: 409 });
    const p = await svc.createProposal(
      slug,
      {
        title: 'Add heat pumps, drop batteries, narrow wind',
        reason: 'Annual review 2025',
        effectiveFrom: '2025-01-01',
        changes: [
          {
            action: 'add',
            code: '841861',
            rule: 'include',
            coverage: 'full',
            category: 'heat',
            reason: 'heat pumps',
          },
          { action: 'remove', code: '850760', rule: 'include', reason: 'moved to another list' },
          {
            action: 'amend',
            code: '8502',
            rule: 'include',
            scopeNote: 'wind-powered generating sets (850231)',
            reason: 'clearer scope',
          },
        ],
      },
      authority,
    );
    proposalId = p.id;
    expect(p.status).toBe('submitted');
    expect(p.changes.map((c) => [c.action, c.code, c.before?.code ?? null])).toEqual([
      ['add', '841861', null],
      ['remove', '850760', '850760'],
      ['amend', '8502', '8502'],
    ]);
    expect(p.canReview).toBe(false); // its own proposer
  });

  it('the proposer cannot approve; a member of another organisation cannot; a second maintainer can', async () => {
    await expect(svc.approve(proposalId, undefined, authority)).rejects.toMatchObject({ status: 403 });
    await expect(svc.approve(proposalId, undefined, outsider)).rejects.toMatchObject({ status: 404 });
    const { proposal, version } = await svc.approve(proposalId, 'ok', deputy);
    expect(proposal.status).toBe('approved');
    expect(proposal.resultingVersion).toBe(2);
    expect(version).toMatchObject({ number: 2, effectiveFrom: '2025-01-01', entryCount: 3 });
    expect(version.changelog).toContain('+ 841861');
    await expect(svc.approve(proposalId, undefined, deputy)).rejects.toMatchObject({ status: 409 });
  });

  it('records the approved version in the ledger, in the same transaction', async () => {
    const [row] = await platform.db.query<{ ledger_index: string }>(
      `SELECT v.ledger_index FROM green_list_version v JOIN green_list l ON l.id = v.list_id
       WHERE l.slug = $1 AND v.number = 2`,
      [slug],
    );
    const entry = await platform.ledger.entry(Number(row!.ledger_index), authority);
    expect(entry).toMatchObject({ type: 'classification.list-version', subject: `${slug}@2` });
    const body = entry.body as { entries: { code: string }[]; approvedBy: string };
    expect(body.entries.map((e) => e.code).sort()).toEqual(['841861', '8502', '854143'].sort());
    expect(body.approvedBy).toBe('Regulator Two');
    // The private list's version is not for other organisations to read.
    await expect(platform.ledger.entry(entry.index, outsider)).rejects.toMatchObject({ status: 404 });
    const report = await platform.ledger.verify();
    expect(report).toMatchObject({ ok: true });
    expect(report.references).toBeGreaterThanOrEqual(1);
  });

  it('lists the diff between versions', async () => {
    const d = await svc.diff(slug, 1, 2, authority);
    expect(d.added.map((e) => e.code)).toEqual(['841861']);
    expect(d.removed.map((e) => e.code)).toEqual(['850760']);
    expect(d.changed.map((c) => [c.before.scopeNote, c.after.scopeNote])).toEqual([
      ['wind generating sets only', 'wind-powered generating sets (850231)'],
    ]);
  });

  it('answers membership as of a date, and keeps old versions queryable', async () => {
    const before = await svc.classify(['850760', '841861'], authority, { lists: [slug], asOf: '2024-06-30' });
    const after = await svc.classify(['850760', '841861'], authority, { lists: [slug], asOf: '2025-06-30' });
    expect(before.results.map((r) => [r.memberships[0]?.version, r.memberships[0]?.status])).toEqual([
      [1, 'full'],
      [1, 'none'],
    ]);
    expect(after.results.map((r) => [r.memberships[0]?.version, r.memberships[0]?.status])).toEqual([
      [2, 'none'],
      [2, 'full'],
    ]);
    expect((await svc.versionAsOfDate(slug, '2024-12-31', authority)).version.number).toBe(1);
    expect((await svc.getVersion(slug, 1, authority)).entries.map((e) => e.code)).toEqual([
      '8502',
      '850760',
      '854143',
    ]);
    const before2024 = await svc.classify(['854143'], authority, { lists: [slug], asOf: '2023-01-01' });
    expect(before2024.results[0]?.memberships[0]).toMatchObject({ version: null, status: 'none' });
  });

  it('a rejected proposal makes no version', async () => {
    const p = await svc.createProposal(
      slug,
      {
        title: 't',
        reason: 'r',
        effectiveFrom: '2026-01-01',
        changes: [{ action: 'remove', code: '854143', rule: 'include', reason: 'x' }],
      },
      deputy,
    );
    const r = await svc.reject(p.id, 'keep it', authority);
    expect(r.status).toBe('rejected');
    expect((await svc.getList(slug, authority)).versions).toHaveLength(2);
  });

  it('refuses an approval whose effective date is before the latest version', async () => {
    const p = await svc.createProposal(
      slug,
      {
        title: 't',
        reason: 'r',
        effectiveFrom: '2024-06-01',
        changes: [{ action: 'add', code: '850231', rule: 'include', reason: 'x' }],
      },
      deputy,
    );
    await expect(svc.approve(p.id, undefined, authority)).rejects.toMatchObject({
      field: 'effectiveFrom',
      status: 409,
    });
  });
});

describe('concordance import', () => {
  it('imports all rows or none, naming the bad lines', async () => {
    const { parseConcordanceCsv } = await import('./reference.js');
    const bad =
      'from_edition,from_code,to_edition,to_code,relation\nHS2017,854140,HS2022,854141,1:n\nHS2017,85414X,HS2022,854142,1:n\nHS2017,854140,HS2022,854143,2:n\n';
    expect(() => parseConcordanceCsv(bad)).toThrow(/line 3: from_code "85414X".*line 4: relation "2:n"/);
    const rows = parseConcordanceCsv(
      'from_edition,from_code,to_edition,to_code,relation\nHS2017,854140,HS2022,854142,1:n\nHS2017,854140,HS2022,854143,1:n\n',
    );
    expect(await svc.importConcordance(rows, 'test')).toBe(2);
    expect((await svc.concordanceOf('HS2017', '854140')).map((t) => t.code)).toEqual(['854142', '854143']);
  });

  it('a list in an older edition is mapped through an imported table', async () => {
    await svc.createList(
      {
        slug: 'hs2017-list',
        name: 'HS2017 list',
        description: '',
        hsEdition: 'HS2017',
        visibility: 'private',
        effectiveFrom: '2020-01-01',
        entries: [{ code: '854140', rule: 'include', coverage: 'full', category: 'pv', scopeNote: '' }],
      },
      authority,
    );
    const r = await svc.classify(['854143', '854141'], authority, { lists: ['hs2017-list'] });
    expect(r.results.map((x) => x.memberships[0]?.status)).toEqual(['partial', 'none']);
  });
});
