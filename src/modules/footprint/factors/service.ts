import type { Db } from '../../../db/index.js';
import type { Principal } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import type { Factor } from './model.js';

/** Names one factor: its key, in a release (the newest published release holding the key when omitted). */
export interface FactorRef {
  key: string;
  release?: string;
}

// SKELETON: the factor-library engineer replaces this file.
export class FactorService {
  constructor(readonly db: Db) {}

  /** The factors named, each visible to `viewer`; a 400 naming `field` + index for a missing one. */
  async getFactors(_viewer: Principal | null, _refs: FactorRef[], _field: string): Promise<Factor[]> {
    throw new AppError('internal', 'factor library not built yet');
  }

  /** The best factor for an activity in a region: the latest year <= `year` (else the earliest after), or null. */
  async bestFactor(
    _viewer: Principal | null,
    _q: { activity: string; region: string; year?: number },
  ): Promise<Factor | null> {
    throw new AppError('internal', 'factor library not built yet');
  }
}
