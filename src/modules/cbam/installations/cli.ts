import type { Command } from 'commander';
import type { Opener } from '../../../kernel/cli.js';
import type { CbamServices } from '../services.js';

export function installationsCommands(_open: Opener<{ cbam: CbamServices }>): Command[] {
  return [];
}
