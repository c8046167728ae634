import type { CbamDemoOrgs } from '../context.js';
import type { CbamServices } from '../services.js';

export async function seedInstallationDemo(_services: CbamServices, _orgs: CbamDemoOrgs): Promise<void> {}
