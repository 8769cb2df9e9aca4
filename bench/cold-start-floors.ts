/**
 * Floors of the submit and status cold starts: what any implementation that answers with the
 * official SDKs (`tablestore`, `@alicloud/mns`) pays, whatever its own code does. They exist to
 * prove, with printed figures, how far below the measured cold start a rewrite could go at best:
 *
 * - Wire floor: a fresh Node that makes exactly the HTTP exchanges the function makes before its
 *   first answer (recorded once through a forwarding proxy), with node:http and node:crypto only,
 *   and verifies the bearer token's ES256 signature. No implementation can answer with less I/O.
 * - SDK + wire floor: the same, after loading only the official SDK modules the function's bundle
 *   contains, bundled by scripts/build.ts exactly as the functions are (same trimming, same code
 *   cache loader). An implementation with those SDKs must load them and make those exchanges, and
 *   then still pays for using them (building, signing and parsing the requests), its token and
 *   request checks and its framework: this floor is below all of that.
 */
import { readFile, writeFile } from "node:fs/promises";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildBundle } from "../scripts/build";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The functions that answer HTTP requests; the worker's cold start is not held to bare Node. */
export const FLOOR_FUNCTIONS = ["submit", "status"] as const;
export type FloorFunction = (typeof FLOOR_FUNCTIONS)[number];

export const isFloorFunction = (fn: string): fn is FloorFunction =>
  (FLOOR_FUNCTIONS as readonly string[]).includes(fn);

/** The env entries that name the upstreams a function talks to before it answers. */
const UPSTREAM_ENV = ["TABLESTORE_ENDPOINT", "MNS_ENDPOINT", "JWT_JWKS_URL"] as const;
type UpstreamEnv = (typeof UPSTREAM_ENV)[number];

/** One request as the function sent it, addressed to the real upstream. */
export interface RecordedExchange {
  upstream: UpstreamEnv;
  /** The real upstream's URL for this request (its origin + the path and query the function sent). */
  url: string;
  method: string;
  headers: Record<string, string | string[]>;
  /** base64 */
  body: string;
  /** What the upstream answered when the function made it. */
  status: number;
}

interface RecordingProxy {
  origin: string;
  close(): Promise<void>;
}

/** Hop-by-hop or re-computed headers: the proxy sends whole bodies with their own length. */
const RECOMPUTED_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
]);

function headersOf(rawHeaders: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? "").toLowerCase();
    const value = rawHeaders[i + 1] ?? "";
    const seen = headers[name];
    headers[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return headers;
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

/**
 * Forwards every request to `target` and appends it to `log` once its answer has been passed back,
 * so the log holds the exchanges in the order the function completed them. Whole bodies are read
 * before forwarding: the recorded request is then exactly the bytes the upstream got.
 */
async function startRecordingProxy(
  upstream: UpstreamEnv,
  target: string,
  log: RecordedExchange[],
): Promise<RecordingProxy> {
  const targetUrl = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const headers = headersOf(req.rawHeaders);
      for (const name of ["host", "content-length", "transfer-encoding"]) delete headers[name];
      // The Tablestore and MNS signatures cover the path, the date and their x-ots-/x-mns- headers,
      // never Host, so the upstream accepts the request with its own host put back.
      headers.host = targetUrl.host;
      if (body.length > 0 || !["GET", "HEAD"].includes(req.method ?? "GET")) {
        headers["content-length"] = String(body.length);
      }
      const url = new URL(req.url ?? "/", targetUrl.origin).href;
      const method = req.method ?? "GET";
      const answer = await new Promise<{ status: number; headers: OutgoingHttpHeaders; body: Buffer }>(
        (resolve, reject) => {
          const forwarded = httpRequest(url, { method, headers, agent }, (upstreamRes) => {
            readBody(upstreamRes).then((answerBody) => {
              const answerHeaders: OutgoingHttpHeaders = headersOf(upstreamRes.rawHeaders);
              for (const name of RECOMPUTED_HEADERS) delete answerHeaders[name];
              answerHeaders["content-length"] = String(answerBody.length);
              resolve({ status: upstreamRes.statusCode ?? 502, headers: answerHeaders, body: answerBody });
            }, reject);
          });
          forwarded.on("error", reject);
          forwarded.end(body);
        },
      );
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      log.push({ upstream, url, method, headers, body: body.toString("base64"), status: answer.status });
    })().catch((error: unknown) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`recording proxy: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Runs one fresh function child with the given env; resolves with its answer line. */
export type FirstAnswer = (env: Record<string, string>) => Promise<{ answer: string }>;

/**
 * The exchanges of one first answer: `firstAnswer` runs the function as the bench does, with each
 * upstream of `env` replaced by a recording proxy in front of it.
 */
export async function recordFirstAnswer(
  env: Readonly<Record<string, string>>,
  firstAnswer: FirstAnswer,
): Promise<RecordedExchange[]> {
  const log: RecordedExchange[] = [];
  const proxies: RecordingProxy[] = [];
  try {
    const proxiedEnv = { ...env };
    for (const name of UPSTREAM_ENV) {
      const value = env[name];
      if (value === undefined) continue;
      const { origin } = new URL(value);
      if (!value.startsWith(origin)) throw new Error(`${name}=${value} does not start with its origin`);
      const proxy = await startRecordingProxy(name, origin, log);
      proxies.push(proxy);
      proxiedEnv[name] = proxy.origin + value.slice(origin.length);
    }
    const { answer } = await firstAnswer(proxiedEnv);
    if (!/^answered 2\d\d$/.test(answer)) throw new Error(`recording run answered "${answer}"`);
    // Only what the answer waited for: a request still in flight when the child answered is not
    // part of the answer's cost (and none is expected).
    return [...log];
  } finally {
    await Promise.all(proxies.map((p) => p.close()));
  }
}

/**
 * The wire floor's child: the recorded exchanges, one after another, straight to the upstreams,
 * with every response body read, then the token's signature checked against the fetched JWKS.
 * Replaying the same bytes is not the same request to the upstream's state — a replayed PutRow
 * may now fail its row condition, a replayed SendMessage queues the message once more (the
 * bench pauses the trigger, so nothing consumes them meanwhile) — but the round trip, which is
 * what the floor measures, is the same size both ways.
 */
function wireReplayChild(prelude: string, label: string): string {
  return `
${prelude}const http = require("node:http");
const crypto = require("node:crypto");
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const { token, exchanges } = JSON.parse(Buffer.from(process.env.BENCH_WIRE, "base64").toString("utf8"));
const agent = new http.Agent({ keepAlive: true });
const exchange = (x) => new Promise((resolve, reject) => {
  const req = http.request(x.url, { method: x.method, headers: x.headers, agent }, (res) => {
    const chunks = [];
    res.on("data", (c) => chunks.push(c));
    res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    res.on("error", reject);
  });
  req.on("error", reject);
  req.end(Buffer.from(x.body, "base64"));
});
const verifyToken = (jwksBody) => {
  const [header, payload, signature] = token.split(".");
  const { kid } = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
  const jwk = JSON.parse(jwksBody.toString("utf8")).keys.find((k) => k.kid === kid);
  const key = crypto.createPublicKey({ key: jwk, format: "jwk" });
  const signed = Buffer.from(header + "." + payload);
  if (!crypto.verify("sha256", signed, { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"))) {
    throw new Error("token signature does not verify");
  }
  JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
};
(async () => {
  const statuses = [];
  for (const x of exchanges) {
    const { status, body } = await exchange(x);
    statuses.push(status);
    if (x.upstream === "JWT_JWKS_URL") verifyToken(body);
  }
  process.stdout.write("answered ${label} " + statuses.join(",") + "\\t" + cpuMs() + "\\n");
  process.exit(0);
})().catch((e) => { process.stdout.write("failed " + String(e && e.message || e) + "\\n"); process.exit(1); });`;
}

export const WIRE_FLOOR_CHILD = wireReplayChild("", "wire");

/** As the FC runtime loads a bundle: the SDK-only bundle first, then the same replay. */
export const SDK_AND_WIRE_FLOOR_CHILD = wireReplayChild("require(process.env.BENCH_BUNDLE);", "sdk+wire");

/** The wire floor child's env: the exchanges travel like the function's event does, in env. */
export function wireFloorEnv(exchanges: readonly RecordedExchange[], token: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    BENCH_WIRE: Buffer.from(JSON.stringify({ token, exchanges })).toString("base64"),
  };
}

/** The official SDKs, as the modules our adapters import them (the only place that imports them). */
const OFFICIAL_SDKS = [
  {
    sourcePrefix: "node_modules/tablestore/",
    specifier: "tablestore",
    importedBy: "shared/adapters/tablestore/client.ts",
  },
  {
    sourcePrefix: "node_modules/@alicloud/mns/",
    specifier: "@alicloud/mns/lib/client.js",
    importedBy: "shared/adapters/mns/client.ts",
  },
] as const;

/** The official SDK modules the function's built bundle contains, read from its source map. */
export async function officialSdkModulesOf(distDir: string, fn: FloorFunction): Promise<string[]> {
  const map = JSON.parse(await readFile(path.join(distDir, fn, "bundle.js.map"), "utf8")) as {
    sources?: unknown;
  };
  const sources = Array.isArray(map.sources) ? map.sources.filter((s) => typeof s === "string") : [];
  return OFFICIAL_SDKS.filter((sdk) => sources.some((s: string) => s.includes(sdk.sourcePrefix))).map(
    (sdk) => sdk.specifier,
  );
}

/**
 * Builds, under `dir`, a bundle that only loads `specifiers` and exports them (so esbuild keeps
 * them), with `buildBundle` under the function's name so it gets the function's trimming. The entry
 * lives outside the project, so each module is required by the absolute path it resolves to from the
 * adapter that imports it: the same file the function's bundle holds.
 */
export async function buildSdkLoadFloor(
  dir: string,
  fn: FloorFunction,
  specifiers: readonly string[],
): Promise<string> {
  const requires = specifiers.map((specifier) => {
    const sdk = OFFICIAL_SDKS.find((s) => s.specifier === specifier);
    if (!sdk) throw new Error(`${specifier} is not an official SDK module the adapters import`);
    const resolved = createRequire(path.join(root, sdk.importedBy)).resolve(specifier);
    return `  ${JSON.stringify(specifier)}: require(${JSON.stringify(resolved)}),`;
  });
  const entryPoint = path.join(dir, `${fn}-sdk-only.cjs`);
  await writeFile(entryPoint, `module.exports = {\n${requires.join("\n")}\n};\n`);
  const report = await buildBundle({ name: fn, entryPoint, outdir: path.join(dir, fn) });
  if (report.cacheBytes === 0) throw new Error(`${fn} SDK-load floor: no code cache was made`);
  return report.file;
}
