import type { Migration } from '../../../db/index.js';

// SKELETON: the product-footprint engineer replaces this file.
export const productMigrations: Migration[] = [];
