import type { CbamDeps } from '../context.js';
import type { RulesService } from '../rules/index.js';
import type { CommunicationService } from '../communication/index.js';

/** TODO(skeleton): built by the importer part. */
export class ImporterService {
  constructor(
    readonly deps: CbamDeps,
    readonly rules: RulesService,
    readonly communication: CommunicationService,
  ) {}
}
