/**
 * The status function: the HTTP chain (shared/http/http-function) with the status operations over
 * the record store of ./http. Reads only, so its bundle carries the Tablestore SDK alone.
 */
import { withLogFields } from "../adapters/logger";
import type { Environment } from "../config";
import { consolePages } from "../http/console-pages";
import { createHttpFunction } from "../http/http-function";
import { statusOperations } from "../http/status-operations";
import { httpWiring } from "./http";

/**
 * One status function instance, configured from `env` at its first invocation. functions/status
 * builds it once per instance; a test builds its own with the environment it wants.
 */
export function createStatusFunction(env: Environment = process.env) {
  const wiring = httpWiring(env);
  return createHttpFunction({
    functionName: "status",
    verifier: wiring.verifier,
    // Every line names the function.
    logger: withLogFields(wiring.logger, { function: "status" }),
    operations: statusOperations((context) => ({ store: wiring.ports(context).store })),
    pages: consolePages({ directory: () => consoleDirectory(env) }),
  });
}

/**
 * Where the web console's files are: `console/` beside the bundle (scripts/build.ts puts them
 * there), or CONSOLE_DIR. Asked for on the first console request only.
 */
export const consoleDirectory = (env: Environment): string =>
  env.CONSOLE_DIR ?? `${typeof __dirname === "string" ? __dirname : "."}/console`;
