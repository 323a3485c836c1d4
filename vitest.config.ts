import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30000,
    hookTimeout: 30000,
    // Each file starts its own emulator on port 0; files run in parallel on the two cores.
    pool: "forks",
  },
});
