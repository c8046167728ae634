import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform } from '../../../testing/db.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;

beforeAll(async () => {
  platform = await openTestPlatform();
});
afterAll(async () => platform?.dispose());

describe('communication demo', () => {
  it("issues the demo exporter's file once, and it verifies", async () => {
    const demo = (
      await platform.db.query<{ id: string }>("SELECT id FROM organisation WHERE slug = 'demo'")
    )[0]!.id;
    const installations = await platform.cbam.installations.list('system', demo);
    const files = await platform.cbam.communication.list('system', demo);
    if (installations.length === 0) {
      expect(files).toEqual([]); // nothing seeded by the installations part: nothing to issue
      return;
    }
    expect(files.filter((f) => f.installationId === installations[0]!.id)).toHaveLength(1);
    const file = await platform.cbam.communication.get('system', files[0]!.id);
    expect(await platform.cbam.communication.verify(file)).toMatchObject({ valid: true, reasons: [] });
  });
});
