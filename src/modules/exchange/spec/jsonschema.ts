/**
 * A small JSON Schema checker for the keywords the PACT OpenAPI schemas use (type, required,
 * properties, items, enum, const, pattern, minLength, minItems, uniqueItems, minimum, maximum,
 * allOf, oneOf, anyOf, not, $ref into the same document, formats date-time and uuid). For tests:
 * it checks our documents against the specification's schema without a new dependency.
 */
type Schema = Record<string, unknown>;

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const typeOf = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

export function check(schemas: Record<string, Schema>, root: Schema, value: unknown, path = '$'): string[] {
  const errors: string[] = [];
  const s = root;
  if (typeof s['$ref'] === 'string') {
    const name = (s['$ref'] as string).split('/').pop()!;
    const target = schemas[name];
    if (!target) return [`${path}: unknown $ref ${s['$ref'] as string}`];
    return check(schemas, target, value, path);
  }
  const t = s['type'];
  if (typeof t === 'string') {
    const actual = typeOf(value);
    const ok = actual === t || (t === 'number' && actual === 'integer');
    if (!ok) return [`${path}: expected ${t}, got ${actual}`];
  }
  if (Array.isArray(s['enum']) && !(s['enum'] as unknown[]).includes(value))
    errors.push(`${path}: not one of ${JSON.stringify(s['enum'])}`);
  if ('const' in s && s['const'] !== value) errors.push(`${path}: must be ${JSON.stringify(s['const'])}`);
  if (typeof value === 'string') {
    if (typeof s['pattern'] === 'string' && !new RegExp(s['pattern'] as string).test(value))
      errors.push(`${path}: does not match ${s['pattern'] as string}`);
    if (typeof s['minLength'] === 'number' && value.length < (s['minLength'] as number))
      errors.push(`${path}: shorter than ${s['minLength'] as number}`);
    if (s['format'] === 'date-time' && !DATE_TIME.test(value)) errors.push(`${path}: not a date-time`);
    if (s['format'] === 'uuid' && !UUID.test(value)) errors.push(`${path}: not a uuid`);
  }
  if (typeof value === 'number') {
    if (typeof s['minimum'] === 'number' && value < (s['minimum'] as number))
      errors.push(`${path}: below ${s['minimum'] as number}`);
    if (typeof s['maximum'] === 'number' && value > (s['maximum'] as number))
      errors.push(`${path}: above ${s['maximum'] as number}`);
  }
  if (Array.isArray(value)) {
    if (typeof s['minItems'] === 'number' && value.length < (s['minItems'] as number))
      errors.push(`${path}: fewer than ${s['minItems'] as number} items`);
    if (s['uniqueItems'] === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
      errors.push(`${path}: items not unique`);
    if (s['items'] && typeof s['items'] === 'object')
      value.forEach((v, i) => errors.push(...check(schemas, s['items'] as Schema, v, `${path}[${i}]`)));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of (s['required'] as string[] | undefined) ?? [])
      if (!(r in obj)) errors.push(`${path}.${r}: required`);
    const props = (s['properties'] as Record<string, Schema> | undefined) ?? {};
    for (const [k, ps] of Object.entries(props))
      if (k in obj) errors.push(...check(schemas, ps, obj[k], `${path}.${k}`));
  }
  for (const sub of (s['allOf'] as Schema[] | undefined) ?? [])
    errors.push(...check(schemas, sub, value, path));
  if (
    Array.isArray(s['anyOf']) &&
    !(s['anyOf'] as Schema[]).some((sub) => check(schemas, sub, value, path).length === 0)
  )
    errors.push(`${path}: matches none of anyOf`);
  if (Array.isArray(s['oneOf'])) {
    const n = (s['oneOf'] as Schema[]).filter((sub) => check(schemas, sub, value, path).length === 0).length;
    if (n !== 1) errors.push(`${path}: matches ${n} of oneOf, not exactly one`);
  }
  if (s['not'] && check(schemas, s['not'] as Schema, value, path).length === 0)
    errors.push(`${path}: matches "not"`);
  return errors;
}
