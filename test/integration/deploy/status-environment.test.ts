/**
 * The status bundle, run with exactly the environment s.yaml gives it (resolved by `s`, no local
 * override), answers as the service and not with 500. Before the fix s.yaml gave status no
 * SERVICE_ACCOUNT_ID, which the shared configuration requires at cold start, so every call in the
 * cloud logged `Invalid configuration ... SERVICE_ACCOUNT_ID` and answered 500; the control case
 * below runs the same bundle without that variable and sees exactly that.
 *
 * The deploy-time variables point JWT_JWKS_URL at a JWKS served on this machine, so the caller's
 * token verifies; the request (`limit=0`) is then refused by the service's own validation (400)
 * before any store read, so nothing leaves the machine. The service reads its configuration to
 * verify the token, so a 400 means the configuration was accepted.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functionSpecs } from "../../../local/fc/function-spec";
import { handlerExport, handlerFile, invocationContext } from "../../../local/fc/invoker";
import { resolveSYaml } from "../../../local/fc/s-yaml";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
} from "../../../local/identities";
import { LOCAL_JWT_AUDIENCE, LOCAL_JWT_ISSUER, type LocalJwtIssuer, loadJwtIssuer } from "../../../local/jwt";
import { buildBundle } from "../../../scripts/build";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Loads the bundle as FC's nodejs20 runtime does, invokes it once, prints the answer. */
const INVOKE_ONCE = `
const fn = require(process.env.INVOKE_BUNDLE)[process.env.INVOKE_EXPORT];
Promise.resolve(fn(Buffer.from(process.env.INVOKE_EVENT, "base64"), JSON.parse(process.env.INVOKE_CONTEXT)))
  .then((answer) => process.stdout.write("\\nANSWER " + JSON.stringify(answer) + "\\n"));`;

let dist: string;
let bundle: string;
let exportName: string;
let statusEnv: Record<string, string>;
let context: unknown;
let issuer: LocalJwtIssuer;
let jwksServer: Server;

beforeAll(async () => {
  dist = await mkdtemp(path.join(tmpdir(), "status-env-"));
  issuer = await loadJwtIssuer();
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(issuer.jwks()));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  // The shell variables `s deploy` cannot do without (docs/deploy.md).
  const deployEnv = {
    JWT_JWKS_URL: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`,
    JWT_ISSUER: LOCAL_JWT_ISSUER,
    JWT_AUDIENCE: LOCAL_JWT_AUDIENCE,
  };
  const specs = functionSpecs(
    await resolveSYaml(
      {
        accessKeyId: LOCAL_ACCESS_KEY_ID,
        accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
        accountId: LOCAL_SERVICE_ACCOUNT_ID,
      },
      deployEnv,
    ),
  );
  const status = specs.status;
  if (!status) throw new Error("s.yaml has no status resource");
  const outdir = path.join(dist, path.basename(status.code));
  await buildBundle({ name: "status", entryPoint: path.join(root, "functions/status/index.ts"), outdir });
  bundle = path.join(outdir, handlerFile(status.handler));
  exportName = handlerExport(status.handler);
  statusEnv = status.env;
  context = invocationContext({
    name: status.name,
    bundle,
    handler: status.handler,
    role: status.role,
    env: status.env,
    memoryMb: status.memoryMb,
    timeoutSeconds: status.timeoutSeconds,
    region: status.region,
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
    credentials: { accessKeyId: "STS.local", accessKeySecret: "local", securityToken: "local" },
  });
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (jwksServer ? jwksServer.close(() => resolve()) : resolve()));
  await rm(dist, { recursive: true, force: true });
});

async function invokeWith(env: Record<string, string>): Promise<{ statusCode: number; output: string }> {
  const sample = JSON.parse(await readFile(path.join(root, "events/status/http-get-pipeline.json"), "utf8"));
  const token = await issuer.issue({ sub: "status-env", scope: "pipelines:read" });
  const headers = { ...(sample.headers as Record<string, string>), Authorization: `Bearer ${token}` };
  const http = { ...sample.requestContext.http, path: "/v1/pipelines" };
  const event = Buffer.from(
    JSON.stringify({
      ...sample,
      rawPath: "/v1/pipelines",
      queryParameters: { limit: "0" },
      headers,
      requestContext: { ...sample.requestContext, http },
    }),
  ).toString("base64");
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["-e", INVOKE_ONCE],
      {
        // Exactly s.yaml's variables; PATH only so the child can start, and the invocation's inputs.
        env: {
          ...env,
          INVOKE_BUNDLE: bundle,
          INVOKE_EXPORT: exportName,
          INVOKE_EVENT: event,
          INVOKE_CONTEXT: JSON.stringify(context),
        },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const answer = /\nANSWER (.*)\n/.exec(stdout)?.[1];
        if (err || !answer) {
          reject(new Error(`the status bundle did not answer: ${String(err)}\n${stdout}\n${stderr}`));
          return;
        }
        resolve({
          statusCode: (JSON.parse(answer) as { statusCode: number }).statusCode,
          output: stdout + stderr,
        });
      },
    );
  });
}

describe("the status bundle with exactly the environment s.yaml gives it", () => {
  it("accepts its configuration, verifies the token and answers with the service's own 400", async () => {
    const { statusCode, output } = await invokeWith(statusEnv);
    expect(output).not.toContain("Invalid configuration");
    expect(output).toContain("InvalidParameter.limit");
    expect(statusCode).toBe(400);
  }, 60_000);

  it("answers 500 on every call without SERVICE_ACCOUNT_ID, as it did in the cloud before the fix", async () => {
    expect(Object.keys(statusEnv)).toContain("SERVICE_ACCOUNT_ID");
    const { SERVICE_ACCOUNT_ID: _dropped, ...before } = statusEnv;
    const { statusCode, output } = await invokeWith(before);
    expect(output).toContain("SERVICE_ACCOUNT_ID");
    expect(statusCode).toBe(500);
  }, 60_000);
});
