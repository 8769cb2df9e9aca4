/**
 * `npm start`: builds the function bundles into dist/ (what `s deploy` uploads), then runs the whole
 * service on 127.0.0.1 (local/stack.ts): the HTTP API on PORT (default 9000), the emulators on free
 * ports, the queue trigger pump, the /_local control plane. State lives in `.local/` (DATA_DIR to
 * change) so records, pipelines and the dev-token key survive a restart. Stops on SIGINT/SIGTERM.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_DEV_SCOPE } from "../local/jwt";
import { startStack } from "../local/stack";
import { buildFunctions, verifyBundles } from "./build";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function portFromEnv(): number {
  const text = process.env.PORT?.trim();
  if (!text) return 9000;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be 0..65535, got "${text}"`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  const port = portFromEnv();
  const dataDir = path.resolve(root, process.env.DATA_DIR?.trim() || ".local");
  process.stdout.write("building dist/ ... ");
  const reports = await buildFunctions();
  const problems = verifyBundles(reports);
  if (problems.length > 0) {
    for (const p of problems) console.error(`build: ${p}`);
    process.exit(1);
  }
  console.log(reports.map((r) => r.name).join(", "));

  const stack = await startStack({ port, dataDir, functionOutput: "inherit" });
  const token = await stack.control.issueToken({ sub: "dev", scope: DEFAULT_DEV_SCOPE });
  const { info } = stack;
  console.log(`
image-pipeline-requests, local stack ready

  API            ${info.api}/v1/pipelines
  control plane  ${info.api}/_local/info   (faults, ecs/pipelines, ecs/calls, trigger, reset)
  JWKS           ${info.jwks}
  ECS + STS      ${info.emulators.ecs}
  Tablestore     ${info.emulators.tablestore}   (instance ${info.tablestore.instance}, table ${info.tablestore.table})
  MNS            ${info.emulators.mns}   (queue ${info.mns.queue})
  data           ${path.relative(process.cwd(), dataDir) || "."}

dev token (sub "dev", scope "${DEFAULT_DEV_SCOPE}", valid 24 h; more with npm run --silent dev-token -- --sub NAME):

  export TOKEN=${token}

Ctrl-C stops.`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping ...`);
    stack.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
