#!/usr/bin/env node
import { CommanderError, type Command } from 'commander';
import { isAppError } from '../kernel/errors.js';

// `lca` needs no database: it loads only the matrix engine, so a solve does not pay ~0.5 s
// for importing the platform, the server and every module (measured in bench/lca.ts).
async function load(command: string | undefined): Promise<Command> {
  if (command === 'lca') return (await import('./lca-program.js')).program;
  return (await import('./program.js')).program;
}

const program = await load(process.argv[2]);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (isAppError(e)) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(e.status >= 500 ? 1 : 2);
  }
  process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
}
