import type { Migration } from '../../../db/index.js';

export const installationsMigrations: Migration[] = [];
