#!/usr/bin/env bash
# Runs a command against a PostgreSQL database of its own, created now and dropped afterwards.
# The server is PG_URL (default postgresql://postgres@127.0.0.1:5432/test); the command sees
# GREENTRADE_TEST_DATABASE_URL (tests) and DATABASE_URL (the product) pointing at the new database.
set -euo pipefail
base=${PG_URL:-postgresql://postgres@127.0.0.1:5432/test}
name="gt_test_$$_$(date +%s)"
admin="${base%/*}/postgres"
run_url="${base%/*}/$name"
psql_() { node -e '
  const pg = require("pg"); const c = new pg.Client({ connectionString: process.argv[1] });
  c.connect().then(() => c.query(process.argv[2])).then(() => c.end()).catch((e) => { console.error(e.message); process.exit(1); });
' "$admin" "$1"; }
cleanup() {
  psql_ "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname LIKE '${name}%' AND pid <> pg_backend_pid()" || true
  node -e '
    const pg = require("pg"); const c = new pg.Client({ connectionString: process.argv[1] });
    (async () => { await c.connect();
      const r = await c.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [process.argv[2] + "%"]);
      for (const { datname } of r.rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      await c.end(); })().catch((e) => { console.error(e.message); process.exit(1); });
  ' "$admin" "$name" || true
}
trap cleanup EXIT
psql_ "CREATE DATABASE \"$name\""
echo "PostgreSQL test database: $name (dropped at the end)"
GREENTRADE_TEST_DATABASE_URL="$run_url" DATABASE_URL="$run_url" "$@"
