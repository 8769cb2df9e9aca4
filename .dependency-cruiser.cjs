/**
 * The layer rules: which folder may import which. This file is their one home; docs/architecture.md
 * ("Layers and arrows") says what each folder is for and points here for the arrows, and
 * `npm run lint` fails on any import that breaks one (test/integration/layers.test.ts plants one).
 *
 * Type-only imports count (`tsPreCompilationDeps`): a type names the module it comes from, and a
 * cycle of types is still a cycle a reader has to untangle. Paths are relative to the repository.
 */

/** The official cloud SDKs (and the runtime they share): only adapters import them. */
const CLOUD_SDKS = "^node_modules/(@alicloud|@darabonba|tablestore)/";

/** Node built-ins that reach outside the process: no use case does I/O except through a port. */
const NODE_IO =
  "^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads|readline|os)$";

/** Node built-ins that start processes or open sockets: a unit test uses neither. */
const UNIT_TEST_IO = "^(node:)?(child_process|cluster|net|http|https|http2|tls|dgram)$";

module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment:
        "shared/domain is the request contract, the record state machine and the ECS error codes: it imports itself and valibot only, no SDK, no I/O, no other layer.",
      severity: "error",
      from: { path: "^shared/domain/" },
      to: { pathNot: ["^shared/domain/", "^node_modules/valibot/"] },
    },
    {
      name: "app-uses-ports",
      comment:
        "shared/app holds the use cases and their ports: it imports the domain and itself, never an adapter, the FC or MNS formats (shared/fc, shared/adapters), the composition or the HTTP edge.",
      severity: "error",
      from: { path: "^shared/app/" },
      to: { path: "^shared/", pathNot: ["^shared/(app|domain)/"] },
    },
    {
      name: "app-does-no-io",
      comment: "A use case reaches the world through its ports only, so no node I/O module in shared/app.",
      severity: "error",
      from: { path: "^shared/app/" },
      to: { dependencyTypes: ["core"], path: NODE_IO },
    },
    {
      name: "app-imports-no-packages",
      comment: "Use cases are plain TypeScript over the domain: no npm package beside what the domain uses.",
      severity: "error",
      from: { path: "^shared/app/" },
      to: { path: "^node_modules/", pathNot: "^node_modules/valibot/" },
    },
    {
      name: "only-adapters-import-cloud-sdks",
      comment:
        "The official SDKs are behind adapters (shared/adapters), so each bundle carries only the SDKs its composition names and everything else is testable in memory.",
      severity: "error",
      from: { path: "^(shared|functions)/", pathNot: "^shared/adapters/" },
      to: { path: CLOUD_SDKS },
    },
    {
      name: "adapters-implement-ports",
      comment:
        "An adapter implements a port (shared/app/ports.ts) over an SDK; it may use the domain and the platform's context type (shared/fc), never a use case, the HTTP edge or the composition.",
      severity: "error",
      from: { path: "^shared/adapters/" },
      to: { path: "^shared/", pathNot: ["^shared/(adapters|domain|fc)/", "^shared/app/ports\\.ts$"] },
    },
    {
      name: "only-composition-wires-adapters",
      comment:
        "shared/composition is the one place that names concrete adapters and hands them to use cases; functions get their wiring from it.",
      severity: "error",
      from: { path: "^(shared|functions)/", pathNot: "^shared/(adapters|composition)/" },
      to: { path: "^shared/adapters/" },
    },
    {
      name: "http-edge",
      comment:
        "shared/http turns FC3 HTTP events into calls of use cases: it imports the use cases, the domain and the FC context type, not adapters or the composition.",
      severity: "error",
      from: { path: "^shared/http/" },
      to: { path: "^shared/", pathNot: "^shared/(http|app|domain|fc)/" },
    },
    {
      name: "fc-shapes",
      comment: "shared/fc holds the platform's context and trigger event shapes: the domain at most.",
      severity: "error",
      from: { path: "^shared/fc/" },
      to: { path: "^shared/", pathNot: "^shared/(fc|domain)/" },
    },
    {
      name: "functions-are-thin",
      comment:
        "A handler is a middy chain plus one call: it imports the composition and the HTTP edge, and the FC context type for its signature (type-only); never a use case, an adapter or config directly.",
      severity: "error",
      from: { path: "^functions/" },
      to: { path: "^(shared|functions)/", pathNot: "^shared/(composition|http|fc)/" },
    },
    {
      name: "functions-fc-context-types-only",
      comment:
        "The FC context shape is the handler's signature; functions may name it as a type, nothing more.",
      severity: "error",
      from: { path: "^functions/" },
      to: { path: "^shared/fc/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "shipped-code-stays-out-of-tooling",
      comment:
        "Bundled code (shared/, functions/) never imports the local cloud, scripts, the bench or the tests: they are not deployed.",
      severity: "error",
      from: { path: "^(shared|functions)/" },
      to: { path: "^(local|scripts|bench|test)/" },
    },
    {
      name: "unit-tests-stay-in-memory",
      comment:
        'A unit test runs in memory: no child process, no socket, no esbuild, no emulator or stack. Such a test belongs in test/integration or test/e2e (docs/architecture.md, "Tests"); test/support/unit-tier-guard.ts also refuses them at run time.',
      severity: "error",
      from: { path: "^test/unit/" },
      to: {
        path: [
          UNIT_TEST_IO,
          "^node_modules/esbuild/",
          "^local/(stack|emulator)\\.ts$",
          "^local/[^/]+/(index|server)\\.ts$",
        ],
      },
    },
    {
      name: "tiers-share-through-support",
      comment:
        "What two test tiers share (fakes, helpers, SDK clients) lives in test/support; a tier never imports another tier's files.",
      severity: "error",
      from: { path: "^test/(unit|integration|e2e)/" },
      to: { path: "^test/", pathNot: ["^test/$1/", "^test/(support|fixtures)/"] },
    },
    {
      name: "console-is-browser-code",
      comment:
        "console/ is the web console, bundled for the browser (scripts/build/console-assets.ts): it imports itself and the API's view types (shared/http/views.ts, type-only), nothing that runs on the server.",
      severity: "error",
      from: { path: "^console/" },
      to: { path: "^(shared|functions|local|scripts|bench|test)/", pathNot: "^shared/http/views\\.ts$" },
    },
    {
      name: "console-views-types-only",
      comment: "The console takes the views' types; their valibot schemas stay out of the browser bundle.",
      severity: "error",
      from: { path: "^console/" },
      to: { path: "^shared/http/views\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "nothing-imports-the-console",
      comment:
        "The console's files are read from disk by the status function on their own routes, never imported: its code must not reach a function's bundle or its cold start.",
      severity: "error",
      from: { pathNot: "^console/" },
      to: { path: "^console/" },
    },
    {
      name: "no-cycles",
      comment: "No import cycle, type-only included: a cycle hides which module is the lower one.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "resolvable",
      comment: "An import that resolves to nothing is a typo or a missing dependency.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
