import type { CbamDeps } from '../context.js';
import type { RulesService } from '../rules/index.js';
import type { ImporterService } from '../importer/index.js';

/** TODO(skeleton): built by the cost part. */
export class CostService {
  constructor(
    readonly deps: CbamDeps,
    readonly rules: RulesService,
    readonly importer: ImporterService,
  ) {}
}
