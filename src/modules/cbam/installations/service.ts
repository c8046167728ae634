import type { CbamDeps } from '../context.js';
import type { RulesService } from '../rules/index.js';

/** TODO(skeleton): built by the installations part. */
export class InstallationService {
  constructor(
    readonly deps: CbamDeps,
    readonly rules: RulesService,
  ) {}
}
