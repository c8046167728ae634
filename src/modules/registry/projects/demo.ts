import type { Principal, Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import type { RegistryDemoOrgs } from '../context.js';
import type { RegistryServices } from '../services.js';

const as = (name: string, orgId: string, role: Role): Principal => ({
  kind: 'user',
  id: `demo:${name}`,
  name,
  memberships: [{ orgId, role }],
});

/** A CAD Trust-style extract of projects registered elsewhere (fictitious rows). */
export const DEMO_EXTERNAL_CSV = `registry,id,name,country,sector,start,end,lat,lon
Verra,VCS-9901,Dunhuang 100MW Solar PV Power Project,CN,energy,2023-07-01,2030-06-30,40.09,94.69
Gold Standard,GS-7702,Dunhuang Municipal Landfill Gas Recovery,CN,waste,2023-01-01,2029-12-31,40.11,94.66
Verra,VCS-4410,Tamil Nadu Wind Bundle,IN,energy,2021-01-01,2030-12-31,9.2,77.5
`;

/**
 * Demo: a registered 50 MW solar farm in Qinghai of the demo exporter, validated and verified
 * by demo-verifier, with 4,000 VER of vintage 2024 issued into the exporter's holding account;
 * a second project (Dunhuang, Gansu) submitted and flagged by screening against a Verra
 * look-alike, so that the operator's queue has work; a 2025 compliance obligation.
 */
export async function seedProjectDemo(services: RegistryServices, orgs: RegistryDemoOrgs): Promise<void> {
  const svc = services.projects;
  const [existing] = await services.context.db.query<{ n: string }>(
    'SELECT count(*) AS n FROM registry_project WHERE org_id = $1',
    [orgs.exporter],
  );
  if (Number(existing?.n ?? 0) > 0) return;
  const exporter = as('Li Na (exporter)', orgs.exporter, 'admin');
  const verifier = as('Chen Jie (verifier)', orgs.verifier, 'verifier');
  const operator = as('Zhao Lei (registry operator)', orgs.operator, 'registry_operator');

  const golmud = await svc.createProject(
    {
      name: '青海格尔木50兆瓦光伏电站 Qinghai Golmud 50 MW Solar Power Project',
      methodology: 'CCER-14-001-V01',
      hostCountry: 'CN',
      sector: 'energy',
      description:
        'Grid-connected photovoltaic plant of 50 MW in Golmud, Qinghai, displacing electricity of the Northwest China grid. 并网光伏发电项目。',
      latitude: 36.4,
      longitude: 94.9,
      creditingPeriods: [{ starts: '2023-01-01', ends: '2032-12-31' }],
      labels: ['CCP'],
      validatorOrg: orgs.verifier,
    },
    exporter,
  );
  await svc.addDocument(
    golmud.id,
    {
      kind: 'pdd',
      filename: 'golmud-50mw-pdd.txt',
      contentType: 'text/plain',
      contentBase64: Buffer.from('Project design document (demo): Qinghai Golmud 50 MW solar.\n').toString(
        'base64',
      ),
    },
    exporter,
  );
  await svc.transition(golmud.id, 'submit', exporter);
  await svc.transition(golmud.id, 'validate', verifier);
  await svc.transition(golmud.id, 'register', operator);
  const report = await svc.addReport(
    golmud.id,
    { periodStart: '2024-01-01', periodEnd: '2024-12-31', claimed: '4500', verifierOrg: orgs.verifier },
    exporter,
  );
  await svc.decideReport(
    report.id,
    'verify',
    { verified: '4200', statement: 'Verified against metered grid exports of 2024 (demo statement).' },
    verifier,
  );
  try {
    const request = await svc.requestIssuance(
      { reportId: report.id, vintage: 2024, quantity: '4000', unitType: 'VER' },
      exporter,
    );
    await svc.approveRequest(request.id, operator);
  } catch (e) {
    // Until the unit engine is built (units/), the demo stops before issuance.
    if (!(e instanceof AppError && e.code === 'internal')) throw e;
  }

  await svc.importExternal(DEMO_EXTERNAL_CSV, 'csv', operator);
  const dunhuang = await svc.createProject(
    {
      name: '甘肃敦煌100兆瓦光伏发电项目 Dunhuang 100 MW Solar PV Project',
      methodology: 'ACM0002',
      hostCountry: 'CN',
      sector: 'energy',
      description: 'Photovoltaic plant of 100 MW near Dunhuang, Gansu. 敦煌光伏电站。',
      latitude: 40.1,
      longitude: 94.68,
      creditingPeriods: [{ starts: '2024-01-01', ends: '2033-12-31' }],
      labels: [],
      validatorOrg: orgs.verifier,
    },
    exporter,
  );
  await svc.transition(dunhuang.id, 'submit', exporter);
  await svc.addObligation(
    { org: orgs.exporter, year: 2025, obligationTonnes: '10000', maxOffsetPercent: '5', scheme: 'CN-ETS' },
    operator,
  );
}
