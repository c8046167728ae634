import { AppError } from '../../../kernel/errors.js';
import type { CbamDemoOrgs } from '../context.js';
import type { CbamServices } from '../services.js';

/**
 * The demo exporter's communication file: issued once for the installation the installations part
 * seeded for it (none seeded: nothing to do), so the importer's demo can import a signed file.
 */
export async function seedCommunicationDemo(services: CbamServices, orgs: CbamDemoOrgs): Promise<void> {
  const installations = await services.installations.list('system', orgs.exporter);
  const first = installations[0];
  if (!first) return;
  const issued = await services.communication.list('system', orgs.exporter);
  if (issued.some((f) => f.installationId === first.id)) return;
  try {
    await services.communication.issue('system', first.id);
  } catch (e) {
    // Rules data the calculation needs may be missing from a partial demo: no file then.
    if (!(e instanceof AppError && e.code === 'validation_failed')) throw e;
  }
}
