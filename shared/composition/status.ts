/**
 * What the status function reads with: the record store of ./http, and its logger. Reads only, so
 * its bundle carries the Tablestore SDK alone.
 */
import { withLogFields } from "../adapters/logger";
import type { Logger } from "../app/ports";
import type { FcContext } from "../fc/context";
import type { StatusServices } from "../http/status-operations";
import { httpLogger, httpPorts } from "./http";

/** The status function's logger: every line names the function. */
export const statusLogger: Logger = withLogFields(httpLogger, { function: "status" });

export function statusServices(context: FcContext): StatusServices {
  return { store: httpPorts(context).store };
}

/**
 * Where the web console's files are: `console/` beside the bundle (scripts/build.ts puts them
 * there), or CONSOLE_DIR. Asked for on the first console request only.
 */
export const consoleDirectory = (): string =>
  process.env.CONSOLE_DIR ?? `${typeof __dirname === "string" ? __dirname : "."}/console`;
