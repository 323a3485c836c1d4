import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // A promise that rejects with nobody to handle it ends a Node process (the CLI, serve, a
    // function's container): the test it happens in fails, and so does the run (vitest's default,
    // stated here so it is not switched off).
    setupFiles: ["test/helpers/no-unhandled-rejections.ts"],
    dangerouslyIgnoreUnhandledErrors: false,
    testTimeout: 30000,
    hookTimeout: 30000,
    // Each file starts its own emulator on port 0; files run in parallel on the two cores.
    pool: "forks",
  },
});
