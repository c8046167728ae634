import { createHash } from 'node:crypto';
import type { Principal } from '../../../kernel/access.js';
import type { RegistryDemoOrgs } from '../context.js';
import type { RegistryServices } from '../services.js';

export const DEMO_APPROACH = 'CA9001';
export const DEMO_LOA = 'CN-LOA-DEMO-001';

/**
 * An illustrative China–Singapore cooperative approach, a letter of authorisation for part of the
 * demo exporter's issued units (the projects demo issues them first), and those units marked as
 * ITMOs. Seeded once; skipped when no issued units are found.
 */
export async function seedArticle6Demo(services: RegistryServices, orgs: RegistryDemoOrgs): Promise<void> {
  const db = services.context.db;
  const done = await db.query('SELECT 1 FROM registry_a6_approach WHERE code = $1', [DEMO_APPROACH]);
  if (done.length > 0) return;
  const [block] = await db.query<{ project_code: string; serial_start: string; serial_end: string }>(
    `SELECT p.code AS project_code, b.serial_start, b.serial_end
     FROM registry_block b JOIN registry_issuance i ON i.id = b.issuance_id
       JOIN registry_project p ON p.id = i.project_id JOIN registry_account a ON a.id = b.account_id
     WHERE a.org_id = $1 AND a.kind = 'holding' AND p.host_country = 'CN' AND b.state = 'held'
       AND b.authorization_id IS NULL AND i.vintage BETWEEN 2021 AND 2030
     ORDER BY b.serial_start LIMIT 1`,
    [orgs.exporter],
  );
  if (!block) return;
  const operator: Principal = {
    kind: 'user',
    id: 'demo-operator',
    name: 'Zhao Lei (registry operator)',
    memberships: [{ orgId: orgs.operator, role: 'registry_operator' }],
  };
  const a6 = services.article6;
  await a6.createApproach(
    {
      code: DEMO_APPROACH,
      name: '中国–新加坡减缓成果合作 China–Singapore mitigation cooperation (illustrative demo)',
      description:
        'An illustrative cooperative approach under Article 6.2 for the demo: Chinese solar projects transfer authorised mitigation outcomes to Singapore for use towards its NDC. Not an agreement of either government.',
      parties: ['CN', 'SG'],
    },
    operator,
  );
  const year = new Date().getUTCFullYear();
  await a6.createAuthorization(
    {
      code: DEMO_LOA,
      approach: DEMO_APPROACH,
      hostParty: 'CN',
      acquiringParty: 'SG',
      uses: ['ndc'],
      sector: 'Energy generation',
      activityType: 'Solar',
      mitigationType: 'Emission reductions',
      authorizedQuantity: '2000',
      validFrom: `${year - 1}-01-01`,
      validUntil: `${Math.max(2030, year + 1)}-12-31`,
      vintageFrom: 2021,
      vintageTo: 2030,
      projects: [block.project_code],
      document: {
        name: '授权书 Letter of authorisation CN-LOA-DEMO-001 (demo).pdf',
        sha256: createHash('sha256')
          .update('GreenTrade demo letter of authorisation CN-LOA-DEMO-001')
          .digest('hex'),
      },
      terms:
        'Demo terms: for use towards the NDC of Singapore, 2021–2030; the host applies corresponding adjustments on first transfer.',
    },
    operator,
  );
  const start = BigInt(block.serial_start);
  const end = BigInt(block.serial_end);
  const last = start + 999n < end ? start + 999n : end;
  await a6.markUnits(DEMO_LOA, { ranges: [{ start: start.toString(), end: last.toString() }] }, operator);
}
