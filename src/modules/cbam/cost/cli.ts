import type { Command } from 'commander';
import type { Opener } from '../../../kernel/cli.js';
import type { CbamServices } from '../services.js';

export function costCommands(_open: Opener<{ cbam: CbamServices }>): Command[] {
  return [];
}
