/**
 * `npm start`: builds the function bundles into dist/ (what `s deploy` uploads), then runs the whole
 * service on 127.0.0.1 (local/stack.ts): the HTTP API on PORT (default 9000), the emulators on free
 * ports, the queue trigger pump, the /_local control plane. State lives in `.local/` (DATA_DIR to
 * change) so records, pipelines, fault settings and the dev-token key survive a restart, a crash
 * or `kill -9`. Every setting: scripts/start-settings.ts (`npm start -- --help`).
 *
 * The whole stack runs in this one process (functions are worker threads), and package.json starts
 * it with `node --import tsx`, not the `tsx` command, so no extra process stands between npm and the
 * stack. Stopping: scripts/stop-on-signals.ts.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CurrentFaults } from "../local/control-plane";
import { DEFAULT_DEV_SCOPE } from "../local/jwt";
import { type RunningStack, startStack } from "../local/stack";
import { buildFunctions, verifyBundles } from "./build";
import { readStartSettings, SettingsError, settingsHelp } from "./start-settings";
import { stopOnSignals } from "./stop-on-signals";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** After the terminal is gone (SIGHUP), writing to it fails with EIO; that must not crash the stop. */
function ignoreClosedTerminal(stream: NodeJS.WriteStream): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EIO" && err.code !== "EPIPE") throw err;
  });
}

/** A path as the user would type it from here. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === "" ? "." : relative.startsWith("..") ? file : relative;
}

/** `ecs.throttleRate=0.3 worker.crashAfterCallRate=0.02`, or `none`. */
function activeFaults(current: CurrentFaults): string {
  const on: string[] = [];
  for (const [part, values] of Object.entries(current) as [string, Record<string, unknown>][]) {
    for (const [name, value] of Object.entries(values)) {
      const set = Array.isArray(value) ? value.some((v) => v !== 0) : value !== 0;
      if (set) on.push(`${part}.${name}=${JSON.stringify(value)}`);
    }
  }
  return on.length > 0 ? on.join(" ") : "none (PUT /_local/faults, or --faults FILE)";
}

async function main(argv: string[]): Promise<void> {
  ignoreClosedTerminal(process.stdout);
  ignoreClosedTerminal(process.stderr);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(settingsHelp());
    return;
  }
  let stack: RunningStack | undefined;
  // From the first moment: a signal while building or starting exits at once (nothing to close yet
  // beyond what the journals already made durable).
  stopOnSignals({
    stop: async () => {
      await stack?.stop();
    },
    exit: (code) => process.exit(code),
    log: (line) => console.log(`\n${line}`),
  });

  const settings = await readStartSettings(process.env, argv, root);
  if (settings.build) {
    process.stdout.write("building dist/ ... ");
    const reports = await buildFunctions(settings.distDir);
    const problems = verifyBundles(reports);
    if (problems.length > 0) {
      for (const p of problems) console.error(`build: ${p}`);
      process.exit(1);
    }
    console.log(reports.map((r) => r.name).join(", "));
  }

  stack = await startStack(settings.stack);
  const token = await stack.control.issueToken({ sub: "dev", scope: DEFAULT_DEV_SCOPE });
  const { info } = stack;
  const dataDir = settings.stack.dataDir ?? root;
  const faults = settings.faultsFile ? `  (from ${shown(settings.faultsFile)})` : "";
  console.log(`
image-pipeline-requests, local stack ready

  API            ${info.api}/v1/pipelines
  web console    ${info.api}/   (sign in with its "Get a dev token" button)
  control plane  ${info.api}/_local/info   (faults, ecs/pipelines, ecs/calls, trigger, reset)
  JWKS           ${info.jwks}
  ECS + STS      ${info.emulators.ecs}
  Tablestore     ${info.emulators.tablestore}   (instance ${info.tablestore.instance}, table ${info.tablestore.table})
  MNS            ${info.emulators.mns}   (queue ${info.mns.queue})
  data           ${shown(dataDir)}
  faults         ${activeFaults(stack.control.getFaults())}${faults}

dev token (sub "dev", scope "${DEFAULT_DEV_SCOPE}", valid 24 h; more with npm run --silent dev-token -- --sub NAME):

  export TOKEN=${token}

Ctrl-C stops (twice forces).`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(
    err instanceof SettingsError ? `npm start: ${err.message}` : err instanceof Error ? err.message : err,
  );
  process.exit(err instanceof SettingsError ? 2 : 1);
});
