/**
 * `npm run --silent dev-token -- --sub NAME [--scope "pipelines:write pipelines:read"] [--ttl SECONDS]`
 *
 * Prints a JWT that the local stack accepts. It signs with the stack's own key file
 * (`.local/jwt-signing-key.json`, DATA_DIR to change; created here if the stack has not run yet), so
 * it works whether or not the stack is running and the token stays valid across restarts.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_DEV_SCOPE, loadJwtIssuer } from "../local/jwt";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run --silent dev-token -- --sub NAME [--scope "pipelines:write pipelines:read"] [--ttl SECONDS]`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { sub?: string; scope?: string; ttl?: string };
  try {
    ({ values } = parseArgs({
      options: { sub: { type: "string" }, scope: { type: "string" }, ttl: { type: "string" } },
      strict: true,
    }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  const sub = values.sub?.trim();
  if (!sub) usage("--sub is required");
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1))
    usage("--ttl must be a whole number of seconds");
  const dataDir = path.resolve(root, process.env.DATA_DIR?.trim() || ".local");
  const issuer = await loadJwtIssuer(dataDir);
  console.log(await issuer.issue({ sub, scope: values.scope ?? DEFAULT_DEV_SCOPE, expiresInSeconds: ttl }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
