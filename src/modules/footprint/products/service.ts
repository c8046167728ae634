import type { Db } from '../../../db/index.js';
import type { LedgerService } from '../../ledger/index.js';
import type { FactorService } from '../factors/index.js';

// SKELETON: the product-footprint engineer replaces this file.
export class ProductService {
  constructor(
    readonly db: Db,
    readonly factors: FactorService,
    readonly ledger: LedgerService,
  ) {}
}
