import { defineConfig } from "vitest/config";

/** Every test file of one tier; the tiers are the folders of test/ (docs/architecture.md, "Tests"). */
const tier = (name: "unit" | "integration" | "e2e", setupFiles: string[] = []) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], setupFiles },
});

export default defineConfig({
  test: {
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
    // Unit tests run in memory: the guard makes a child process or a socket throw there.
    projects: [tier("unit", ["test/support/unit-tier-guard.ts"]), tier("integration"), tier("e2e")],
  },
});
