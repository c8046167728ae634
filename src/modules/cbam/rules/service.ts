import type { CbamDeps } from '../context.js';

/** TODO(skeleton): built by the rules part. */
export class RulesService {
  constructor(readonly deps: CbamDeps) {}
}
