import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Integration tests start emulators on free ports; each file owns its own servers.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Under CI the JSON report is where .ci/run takes its "N passed, N failed" line from, so the
    // figures are vitest's own rather than a scrape of its console output.
    reporters: process.env.CI ? ["default", ["json", { outputFile: ".ci/out/vitest.json" }]] : ["default"],
    coverage: {
      provider: "v8",
      include: ["functions/**/*.ts", "shared/**/*.ts", "local/**/*.ts"],
    },
  },
});
