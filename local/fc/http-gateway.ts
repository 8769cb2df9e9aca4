/**
 * The local HTTP trigger: turns a real HTTP request into the FC3 HTTP trigger event (reference/fc3.md
 * §1.2), invokes the function the route table names, and maps the returned `{statusCode, headers,
 * body, isBase64Encoded}` back onto the HTTP response (§1.3). Deployed, each function has its own
 * trigger domain; locally one port serves all of them, so the route table picks the function.
 * As FC does, a method outside the function's HTTP trigger `methods` (s.yaml) is refused before the
 * function runs.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type FunctionRuntime, type InvocationResult, newInvocationId } from "./invoker";

export interface FcHttpEvent {
  version: "v1";
  rawPath: string;
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  requestContext: {
    accountId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    time: string;
    timeEpoch: string;
  };
}

/** FC's limit for a synchronous invocation's payload. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Content types delivered as text; everything else arrives base64-encoded, as binary does on FC. */
const TEXT_CONTENT = /^(text\/|application\/([\w.+-]*\+)?(json|xml|x-www-form-urlencoded))/i;

export interface GatewayOptions {
  accountId: string;
  /** The function for a method and decoded path, or undefined for an unknown path. */
  route(method: string, path: string): FunctionRuntime | undefined;
  /** The function's HTTP trigger `methods` (upper case); without it every method reaches it. */
  triggerMethods?(fn: FunctionRuntime): readonly string[];
}

/** The request target's path, percent-decoded (left as sent when it is not valid encoding). */
function decodedPath(target: string): string {
  const rawPath = target.split("?", 1)[0] ?? "/";
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

function joinValues(values: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of values) out[name] = name in out ? `${out[name]},${value}` : value;
  return out;
}

/** FC's `time` has second precision: `2023-09-05T06:41:11Z`. */
function fcTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

export function toHttpTriggerEvent(
  req: IncomingMessage,
  body: Buffer,
  context: { accountId: string; functionName: string; requestId: string; now?: Date },
): FcHttpEvent {
  const target = req.url ?? "/";
  const query = target.indexOf("?");
  const rawPath = query < 0 ? target : target.slice(0, query);
  const path = decodedPath(rawPath);
  const headerPairs: [string, string][] = [];
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    for (const value of values ?? []) headerPairs.push([name.toLowerCase(), value]);
  }
  const headers = joinValues(headerPairs);
  const queryParameters = joinValues(new URLSearchParams(query < 0 ? "" : target.slice(query + 1)));
  const isText = body.length === 0 || TEXT_CONTENT.test(headers["content-type"] ?? "");
  const at = context.now ?? new Date();
  return {
    version: "v1",
    rawPath,
    headers,
    queryParameters,
    body: isText ? body.toString("utf8") : body.toString("base64"),
    isBase64Encoded: !isText,
    requestContext: {
      accountId: context.accountId,
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: context.functionName,
      http: {
        method: req.method ?? "GET",
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: context.requestId,
      time: fcTime(at),
      timeEpoch: String(at.getTime()),
    },
  };
}

interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function problem(status: number, title: string, code: string): HttpAnswer {
  return {
    status,
    headers: { "content-type": "application/problem+json" },
    body: Buffer.from(JSON.stringify({ type: "about:blank", title, status, code })),
  };
}

/**
 * FC's refusal of a method the trigger does not list. The documentation says only that such a
 * request does not reach the function; status and body are not documented, so this is a 405 with
 * FC's error shape and no Allow header.
 */
function methodRefused(method: string, fn: FunctionRuntime): HttpAnswer {
  return {
    status: 405,
    headers: { "content-type": "application/json" },
    body: Buffer.from(
      JSON.stringify({
        ErrorCode: "MethodNotAllowed",
        ErrorMessage: `${method} is not among the methods of the HTTP trigger of ${fn.name}`,
      }),
    ),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** FC's mapping of a handler's return value onto the HTTP response. */
export function fromHandlerResult(result: InvocationResult): HttpAnswer {
  if (!result.ok) {
    // FC answers a failed HTTP invocation itself, naming the error type in a header.
    const errorType = result.kind === "timeout" ? "FunctionTimeout" : "UnhandledInvocationError";
    return {
      status: result.kind === "timeout" ? 504 : 502,
      headers: { "content-type": "application/json", "x-fc-error-type": errorType },
      body: Buffer.from(JSON.stringify({ errorType, errorMessage: result.message.split("\n")[0] })),
    };
  }
  const value = result.value;
  if (Buffer.isBuffer(value)) return { status: 200, headers: {}, body: value };
  if (!isRecord(value) || typeof value.statusCode !== "number") {
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: Buffer.from(typeof value === "string" ? value : JSON.stringify(value ?? null)),
    };
  }
  const headers: Record<string, string> = {};
  if (isRecord(value.headers)) {
    for (const [name, v] of Object.entries(value.headers)) {
      if (v !== undefined && v !== null) headers[name.toLowerCase()] = String(v);
    }
  }
  const rawBody =
    typeof value.body === "string" ? value.body : value.body === undefined ? "" : JSON.stringify(value.body);
  const body = value.isBase64Encoded === true ? Buffer.from(rawBody, "base64") : Buffer.from(rawBody, "utf8");
  return { status: value.statusCode, headers, body };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Handles one request end to end; never rejects. */
export async function serveThroughFunction(
  req: IncomingMessage,
  res: ServerResponse,
  options: GatewayOptions,
): Promise<void> {
  let answer: HttpAnswer;
  let requestId = "";
  try {
    const body = await readBody(req);
    const method = (req.method ?? "GET").toUpperCase();
    const fn = options.route(method, decodedPath(req.url ?? "/"));
    if (body === undefined) answer = problem(413, "The request body is too large", "RequestEntityTooLarge");
    else if (!fn) answer = problem(404, "No function serves this path", "NotFound");
    else if (options.triggerMethods && !options.triggerMethods(fn).includes(method))
      answer = methodRefused(method, fn);
    else {
      requestId = newInvocationId();
      const event = toHttpTriggerEvent(req, body, {
        accountId: options.accountId,
        functionName: fn.name,
        requestId,
      });
      answer = fromHandlerResult(await fn.invoke(Buffer.from(JSON.stringify(event)), { requestId }));
    }
  } catch (err) {
    answer = problem(502, `The local gateway failed: ${String(err)}`, "GatewayError");
  }
  if (requestId) answer.headers["x-fc-request-id"] = requestId;
  answer.headers["content-length"] = String(answer.body.length);
  if (!res.headersSent) res.writeHead(answer.status, answer.headers).end(answer.body);
}
