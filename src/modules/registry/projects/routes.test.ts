import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERS } from '../../../demo.js';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { projectsCommands } from './cli.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
const cookies: Record<string, string> = {};
const base = 'http://greentrade.test';
const R = '/api/v1/registry';

beforeAll(async () => {
  platform = await openTestPlatform();
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  for (const who of ['exporter', 'verifier', 'operator', 'regulator'] as const) {
    const res = await app.request(base + '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: DEMO_USERS[who], password: DEMO_PASSWORD }),
    });
    expect(res.status).toBe(200);
    cookies[who] = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }
});
afterAll(async () => platform?.dispose());

const call = (path: string, who: string | null, init: { method?: string; body?: unknown } = {}) =>
  app.request(base + R + path, {
    method: init.method ?? 'GET',
    headers: {
      ...(who ? { cookie: cookies[who]! } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

interface ProjectJson {
  id: string;
  code: string;
  name: string;
  status: string;
  openFlags: number;
  actions: string[];
  issuanceRequests: { quantity: string; status: string; vintage: number }[];
  monitoringReports: { claimed: string; verified: string }[];
  flags: { other: { id: string }; status: string }[];
}

describe('registry projects over HTTP, on the demo data', () => {
  it('shows the demo: a registered Qinghai project with 4,000 units of 2024, a submitted one with a flag', async () => {
    const list = (await (await call('/projects', 'exporter')).json()) as { projects: ProjectJson[] };
    const golmud = list.projects.find((p) => p.name.includes('Golmud'))!;
    const dunhuang = list.projects.find((p) => p.name.includes('Dunhuang'))!;
    expect(golmud.status).toBe('registered');
    expect(dunhuang.status).toBe('submitted');
    const detail = (await (await call(`/projects/${golmud.code}`, 'exporter')).json()) as {
      project: ProjectJson;
    };
    expect(detail.project.monitoringReports[0]).toMatchObject({ claimed: '4500', verified: '4200' });
    expect(detail.project.issuanceRequests).toEqual([
      expect.objectContaining({ quantity: '4000', status: 'approved', vintage: 2024 }),
    ]);
    const issued = await platform.db.query<{ n: string }>(
      `SELECT sum(quantity)::text AS n FROM registry_issuance WHERE project_id = $1`,
      [golmud.id],
    );
    expect(issued[0]!.n).toBe('4000');

    const flags = (await (await call(`/projects/${dunhuang.id}/screening`, 'operator')).json()) as {
      flags: ProjectJson['flags'];
    };
    // Verra's Dunhuang look-alike is flagged; the Gold Standard landfill (waste) is not.
    expect(flags.flags.map((f) => f.other.id)).toEqual(['VCS-9901']);
    const queue = (await (await call('/queue', 'operator')).json()) as { registrations: ProjectJson[] };
    expect(queue.registrations.map((p) => p.code)).toContain(dunhuang.code);
    // The queue is the operator's (and the regulator's, read-only); not the exporter's.
    expect((await call('/queue', 'exporter')).status).toBe(403);
    expect((await call('/queue', 'regulator')).status).toBe(200);
  });

  it('runs the workflow by role and answers with the right codes', async () => {
    const created = await call('/projects', 'exporter', {
      method: 'POST',
      body: {
        name: '内蒙古风电 Inner Mongolia Ulanqab Wind',
        methodology: 'CCER-14-001-V01',
        hostCountry: 'CN',
        sector: 'wind',
        creditingPeriods: [{ starts: '2025-01-01', ends: '2034-12-31' }],
        validatorOrg: 'demo-verifier',
      },
    });
    expect(created.status).toBe(201);
    const { project } = (await created.json()) as { project: ProjectJson };
    expect((await call(`/projects/${project.id}/register`, 'exporter', { method: 'POST' })).status).toBe(403);
    expect((await call(`/projects/${project.id}/validate`, 'verifier', { method: 'POST' })).status).toBe(409);
    expect((await call(`/projects/${project.id}/submit`, 'exporter', { method: 'POST' })).status).toBe(200);
    expect((await call(`/projects/${project.id}/validate`, 'verifier', { method: 'POST' })).status).toBe(200);
    expect((await call(`/projects/${project.id}/register`, 'regulator', { method: 'POST' })).status).toBe(
      403,
    );
    const reg = await call(`/projects/${project.code}/register`, 'operator', { method: 'POST' });
    expect(reg.status).toBe(200);
    expect(((await reg.json()) as { project: ProjectJson }).project.status).toBe('registered');
    expect((await call(`/projects/${project.id}`, null)).status).toBe(401);
  });

  it('limits document uploads and validates fields', async () => {
    const list = (await (await call('/projects?status=submitted', 'exporter')).json()) as {
      projects: ProjectJson[];
    };
    const id = list.projects[0]!.id;
    const tooBig = Buffer.alloc(5 * 1024 * 1024 + 1).toString('base64');
    const res = await call(`/projects/${id}/documents`, 'exporter', {
      method: 'POST',
      body: { kind: 'pdd', filename: 'big.pdf', contentBase64: tooBig },
    });
    expect([400, 413]).toContain(res.status);
    const bad = await call('/issuance-requests', 'exporter', {
      method: 'POST',
      body: { reportId: '00000000-0000-4000-8000-000000000000', vintage: 2024, quantity: '0' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('quantity');
  });
});

/** Runs `greentrade registry …` in process over the test platform; returns what it printed. */
async function cli(...args: string[]): Promise<string> {
  const program = new Command('registry').exitOverride();
  for (const c of projectsCommands(async () => ({ registry: platform.registry, close: async () => {} })))
    program.addCommand(c);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'registry', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('greentrade registry (projects part)', () => {
  it('lists, screens, sets controls and shows obligations with --json', async () => {
    const { projects } = JSON.parse(await cli('projects', 'list', '--status', 'submitted', '--json')) as {
      projects: ProjectJson[];
    };
    const dunhuang = projects.find((p) => p.name.includes('Dunhuang'))!;
    const { flags } = JSON.parse(await cli('screening', 'flags', dunhuang.code, '--json')) as {
      flags: ProjectJson['flags'];
    };
    expect(flags.map((f) => f.other.id)).toEqual(['VCS-9901']);
    const { controls } = JSON.parse(
      await cli('controls', 'set', '--vintage-cutoff', '2016', '--labels-import', 'CCP', '--json'),
    ) as { controls: { vintageCutoff: number; labelsForImport: string[] } };
    expect(controls).toMatchObject({ vintageCutoff: 2016, labelsForImport: ['CCP'] });
    // The demo obligation: 10,000 t at 5 % = 500 units, none used yet.
    const { obligations } = JSON.parse(await cli('obligations', 'list', '--json')) as {
      obligations: { obligationTonnes: string; maxOffsetUnits: string; used: string }[];
    };
    expect(obligations).toContainEqual(
      expect.objectContaining({ obligationTonnes: '10000', maxOffsetUnits: '500', used: '0' }),
    );
    const queue = JSON.parse(await cli('issuance-requests', 'queue', '--json')) as {
      registrations: ProjectJson[];
    };
    expect(queue.registrations.map((p) => p.code)).toContain(dunhuang.code);
    expect(await cli('projects', 'show', dunhuang.code)).toContain('submitted');
  });

  it('leaves a ledger that verifies, with every project record pointing at its entry', async () => {
    const report = await platform.ledger.verify();
    expect(report.firstBad).toBeUndefined();
    expect(report.ok).toBe(true);
    const [events] = await platform.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM registry_project_event',
    );
    // References include at least the project events written above and by the demo.
    expect(report.references).toBeGreaterThanOrEqual(Number(events!.n));
  });
});
