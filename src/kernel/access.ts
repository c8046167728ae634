/** Who is calling, and what each route lets through. Shared by every module. */
export const ROLES = ['admin', 'member', 'verifier', 'registry_operator', 'regulator'] as const;
export type Role = (typeof ROLES)[number];

export interface Membership {
  orgId: string;
  role: Role;
}

export interface Principal {
  kind: 'user' | 'client';
  /** User id, or the API client's client_id. */
  id: string;
  name: string;
  memberships: Membership[];
}

/**
 * Every route declares one of these. `roles` lets through a caller holding any of the roles in
 * any organisation; which organisation's data it may then see is the service's check.
 */
export type Access = { public: true } | { authenticated: true } | { roles: readonly Role[] };

export const PUBLIC: Access = { public: true };
export const AUTHENTICATED: Access = { authenticated: true };
export const anyRole = (...roles: Role[]): Access => ({ roles });

export const describeAccess = (access: Access): string =>
  'public' in access
    ? 'public'
    : 'authenticated' in access
      ? 'authenticated'
      : `roles:${access.roles.join('|')}`;

export const orgIdsOf = (p: Principal): string[] => [...new Set(p.memberships.map((m) => m.orgId))];

export const hasRoleIn = (p: Principal, orgId: string, roles: readonly Role[]): boolean =>
  p.memberships.some((m) => m.orgId === orgId && roles.includes(m.role));

export function allows(access: Access, p: Principal | null): 'ok' | 'unauthenticated' | 'forbidden' {
  if ('public' in access) return 'ok';
  if (!p) return 'unauthenticated';
  if ('authenticated' in access) return 'ok';
  return p.memberships.some((m) => access.roles.includes(m.role)) ? 'ok' : 'forbidden';
}
