import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Command } from 'commander';
import type { Migration } from '../../../db/index.js';
import type { Opener } from '../../../kernel/cli.js';
import type { AppEnv } from '../../../kernel/http.js';
import type { RegistryContext, RegistryDemoOrgs } from '../context.js';
import type { RegistryServices } from '../services.js';

// Skeleton: replaced by the article6 part of the registry.
export const article6Migrations: Migration[] = [];

export class Article6Service {
  constructor(readonly ctx: RegistryContext) {}
}

export function article6Routes(_app: OpenAPIHono<AppEnv>, _services: RegistryServices): void {}

export function article6Commands(_open: Opener<{ registry: RegistryServices }>): Command[] {
  return [];
}

export async function seedArticle6Demo(_services: RegistryServices, _orgs: RegistryDemoOrgs): Promise<void> {}
