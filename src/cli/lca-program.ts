/** `greentrade lca ...` alone: the matrix engine without the platform. */
import { Command } from 'commander';
import { lcaCli } from '../modules/footprint/lca/index.js';

export const program = new Command('greentrade')
  .description('GreenTrade LCA matrix engine')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride()
  .addCommand(lcaCli());
