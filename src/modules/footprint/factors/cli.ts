import { Command } from 'commander';
import type { Opener } from '../../../kernel/cli.js';
import type { FactorService } from './service.js';

// SKELETON: `greentrade footprint factors ...`
export function factorsCommand(_open: Opener<{ footprint: { factors: FactorService } }>): Command {
  return new Command('factors').description('The emission-factor library: releases, import, search');
}
