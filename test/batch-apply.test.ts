/** The shared batched, bisecting apply, against the emulator: a batch rejected for one bad id is split until it stands alone. */
import { describe, expect, it } from "vitest";
import { applyBatched } from "../lib/runtime/batch-apply.ts";
import { api } from "../lib/tencent/services.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const R = "ap-guangzhou";

describe("applyBatched", () => {
  it("isolates a key pair id the API rejects (InvalidKeyPairId.*, the current code) while the rest are deleted", async () => {
    const emu = await emulator();
    const ids = Array.from(
      { length: 6 },
      (_, i) => emu.state.addKeyPair({ Region: R, KeyName: `k${i}`, PublicKey: `ssh-rsa AAAA k${i}` }).KeyId,
    );
    const bad = "skey-00000000";
    const { client } = clientFor(emu);
    const results = await applyBatched([...ids.slice(0, 3), bad, ...ids.slice(3)], 100, (batch) =>
      api(client).deleteKeyPairs(R, { KeyIds: batch }),
    );
    expect(results.filter((r) => !r.ok)).toEqual([
      expect.objectContaining({ id: bad, code: "InvalidKeyPairId.NotFound", requestId: expect.any(String) }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(6);
    for (const id of ids) expect(emu.state.keyPairs.has(id)).toBe(false);
  });

  it("sends 100 ids a call", async () => {
    const emu = await emulator();
    const ids = Array.from(
      { length: 230 },
      (_, i) => emu.state.addKeyPair({ Region: R, KeyName: `k${i}`, PublicKey: `ssh-rsa AAAA k${i}` }).KeyId,
    );
    const { client } = clientFor(emu);
    await applyBatched(ids, 100, (batch) => api(client).deleteKeyPairs(R, { KeyIds: batch }));
    expect(emu.callsFor("DeleteKeyPairs").map((c) => (c.params as { KeyIds: string[] }).KeyIds.length)).toEqual([
      100, 100, 30,
    ]);
  });
});
