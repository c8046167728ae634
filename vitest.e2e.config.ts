import { defineConfig } from 'vitest/config';

/** Browser tests against the built server and web app: `npm run build && npm run test:e2e`. */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    // Starting the server runs migrations and seeds the demo data on a fresh database.
    hookTimeout: 180_000,
    fileParallelism: false,
    env: { GREENTRADE_E2E: '1' },
  },
});
