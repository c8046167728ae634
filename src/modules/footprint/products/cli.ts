import type { Command } from 'commander';
import type { Opener } from '../../../kernel/cli.js';
import type { ProductService } from './service.js';

// SKELETON: `greentrade footprint calc product.json [--json]` and the product commands.
export function productCommands(_open: Opener<{ footprint: { products: ProductService } }>): Command[] {
  return [];
}
