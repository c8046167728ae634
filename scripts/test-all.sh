#!/usr/bin/env bash
# The whole suite: typecheck, lint, unit + integration tests on PGlite, the same on the
# PostgreSQL server (a database of its own, created and dropped), then the build and the
# end-to-end tests in Debian's Chromium. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
status=0
step() { echo; echo "== $*"; }
fail() { echo "FAILED: $*"; status=1; }

step "typecheck" && npm run -s typecheck || fail typecheck
step "lint" && npm run -s lint || fail lint
step "format" && npm run -s format:check || fail "format (run npm run format)"
step "OpenAPI document is current" && npx tsx scripts/write-openapi.ts --check || fail "openapi.json is stale: run npm run openapi"

step "tests on PGlite (embedded)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$out/pglite.json" || fail "tests on PGlite"

step "tests on PostgreSQL (${PG_URL:-postgresql://postgres@127.0.0.1:5432/test})"
bash scripts/with-pg-database.sh npx vitest run --reporter=default --reporter=json --outputFile.json="$out/postgres.json" || fail "tests on PostgreSQL"

step "build"
npm run -s build || fail build

if [ "${GREENTRADE_SKIP_E2E:-}" = 1 ]; then
  echo "end-to-end tests skipped (GREENTRADE_SKIP_E2E=1)"
elif [ ! -x /usr/bin/chromium ]; then
  fail "end-to-end tests need Debian's Chromium: apt-get install -y chromium (or GREENTRADE_SKIP_E2E=1)"
else
  step "end-to-end tests in Chromium (PGlite)"
  npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json="$out/e2e.json" || fail "end-to-end tests"
  step "end-to-end tests in Chromium (PostgreSQL)"
  bash scripts/with-pg-database.sh npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json="$out/e2e-postgres.json" || fail "end-to-end tests on PostgreSQL"
fi

echo
node -e '
  const fs = require("fs"); let p = 0, f = 0, s = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests; s += r.numPendingTests + (r.numTodoTests || 0);
    console.log(`${file.replace(".json", "").padEnd(14)} ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  }
  console.log(`${p} passed, ${f} failed` + (s ? `, ${s} skipped` : ""));
' "$out"
[ $status = 0 ] && echo "all green" || echo "some steps failed (see FAILED lines above)"
exit $status
