import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Command } from 'commander';
import type { Migration } from '../../../db/index.js';
import type { Opener } from '../../../kernel/cli.js';
import type { AppEnv } from '../../../kernel/http.js';
import type { RegistryContext, RegistryDemoOrgs } from '../context.js';
import type { RegistryServices } from '../services.js';

// Skeleton: replaced by the interop part of the registry.
export const interopMigrations: Migration[] = [];

export class InteropService {
  constructor(readonly ctx: RegistryContext) {}
}

export function interopRoutes(_app: OpenAPIHono<AppEnv>, _services: RegistryServices): void {}

export function interopCommands(_open: Opener<{ registry: RegistryServices }>): Command[] {
  return [];
}

export async function seedInteropDemo(_services: RegistryServices, _orgs: RegistryDemoOrgs): Promise<void> {}
