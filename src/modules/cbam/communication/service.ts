import type { CbamDeps } from '../context.js';
import type { RulesService } from '../rules/index.js';
import type { InstallationService } from '../installations/index.js';

/** TODO(skeleton): built by the communication part. */
export class CommunicationService {
  constructor(
    readonly deps: CbamDeps,
    readonly rules: RulesService,
    readonly installations: InstallationService,
  ) {}
}
