import type { Migration } from '../../../db/index.js';

/**
 * The CBAM rules as data: every table is filled from data/cbam/*.csv at start (loadCbamRules),
 * replaced as a whole when a shipped file changes. A change in the law is a change of a CSV row.
 * Years are calendar years; `to_year` NULL means "until further notice".
 */
export const rulesMigrations: Migration[] = [
  {
    id: 'cbam/rules/0001_tables',
    sql: `
CREATE TABLE cbam_rules_load (
  id integer PRIMARY KEY CHECK (id = 1),
  content_hash text NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cbam_goods_category (
  code text PRIMARY KEY,
  sector text NOT NULL,
  name text NOT NULL,
  cn_prefixes text[] NOT NULL,
  routes text[] NOT NULL
);

CREATE TABLE cbam_coverage (
  sector text NOT NULL,
  from_year integer NOT NULL,
  to_year integer,
  direct boolean NOT NULL,
  indirect boolean NOT NULL,
  source text NOT NULL,
  PRIMARY KEY (sector, from_year)
);

CREATE TABLE cbam_markup (
  sector text NOT NULL,
  from_year integer NOT NULL,
  to_year integer,
  markup numeric NOT NULL CHECK (markup >= 0),
  source text NOT NULL,
  PRIMARY KEY (sector, from_year)
);

CREATE TABLE cbam_free_allocation (
  year integer PRIMARY KEY,
  share numeric NOT NULL CHECK (share >= 0 AND share <= 1),
  source text NOT NULL
);

CREATE TABLE cbam_de_minimis (
  from_year integer PRIMARY KEY,
  to_year integer,
  threshold_tonnes numeric,
  excluded_sectors text[] NOT NULL,
  source text NOT NULL
);

CREATE TABLE cbam_default_value (
  country text NOT NULL,
  cn text NOT NULL,
  from_year integer NOT NULL,
  to_year integer,
  direct numeric NOT NULL CHECK (direct >= 0),
  indirect numeric NOT NULL CHECK (indirect >= 0),
  status text NOT NULL CHECK (status IN ('published', 'provisional')),
  source text NOT NULL,
  PRIMARY KEY (country, cn, from_year)
);

CREATE TABLE cbam_grid_factor (
  country text PRIMARY KEY,
  factor numeric NOT NULL CHECK (factor >= 0),
  year integer NOT NULL,
  source text NOT NULL
);

CREATE TABLE cbam_plausible_range (
  category text NOT NULL,
  route text NOT NULL DEFAULT '',
  min numeric NOT NULL,
  max numeric NOT NULL,
  source text NOT NULL,
  PRIMARY KEY (category, route),
  CHECK (min <= max)
);

CREATE TABLE cbam_benchmark (
  category text NOT NULL,
  route text NOT NULL DEFAULT '',
  benchmark text NOT NULL,
  value numeric NOT NULL CHECK (value >= 0),
  from_year integer NOT NULL,
  to_year integer,
  status text NOT NULL CHECK (status IN ('published', 'provisional')),
  source text NOT NULL,
  PRIMARY KEY (category, route, from_year)
);
`,
  },
];
