import { z } from '@hono/zod-openapi';
import { ROLES } from '../../kernel/access.js';

export const RoleSchema = z.enum(ROLES).openapi('Role');

export const MembershipSchema = z
  .object({ orgId: z.string().uuid(), orgName: z.string(), role: RoleSchema })
  .openapi('Membership');

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    kind: z.enum(['user', 'client']),
    memberships: z.array(MembershipSchema),
  })
  .openapi('User');
export type UserView = z.infer<typeof UserSchema>;

export const LoginSchema = z
  .object({
    email: z.string().trim().toLowerCase().email().max(254),
    password: z.string().min(1).max(1024),
  })
  .openapi('Login');

export const OrgSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes, 2-63 long');

export const NewUserSchema = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  name: z.string().trim().min(1).max(200),
  password: z.string().min(12, 'at least 12 characters').max(1024),
});

export const TokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
  })
  .openapi('TokenResponse');
