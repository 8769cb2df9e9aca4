/**
 * The MNS HTTP/XML data plane (API version 2015-06-06) over an {@link MnsStore}: reads a request,
 * finds its operation in the route table (routes.ts), authenticates and authorises it, runs the
 * operation's handler (operations/*.ts) and writes the answer or the `<Error>` document. Wire
 * details follow docs/cloud-facts.md, "MNS" (what `@alicloud/mns` needs: `text/xml` replies, exact
 * root names, raw query parsing).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { authenticate, ramRequestOf } from "./auth";
import type { Answer, MnsServerDeps, OperationContext, Reply } from "./context";
import { MnsServiceError } from "./errors";
import { createLongPolls, type LongPolls } from "./long-poll";
import { mayChangeState } from "./operation-names";
import { parseQuery, requestId } from "./request";
import { matchRoute } from "./routes";
import { renderXml } from "./xml";

export type { MnsFaults, MnsServerDeps } from "./context";
export { MNS_OPERATIONS, type MnsOperation } from "./operation-names";

const MAX_REQUEST_BYTES = 1024 * 1024;

export interface MnsHttpServer {
  server: Server;
  /** Answers every pending long poll (as an empty receive) so the server can close promptly. */
  releaseWaiters(): void;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Routes (so calls are counted even when authentication fails), authenticates, authorises and
 * runs the handler. Returns the reply, or undefined when the request was parked as a long poll.
 */
function handle(
  deps: MnsServerDeps,
  longPolls: LongPolls,
  exchange: { req: IncomingMessage; res: ServerResponse; body: Buffer; answer: Answer },
  operationSeen: (ctx: Pick<OperationContext, "operation">) => void,
): Reply | undefined {
  const { req, body } = exchange;
  const method = req.method ?? "GET";
  const resource = req.url ?? "/";
  const queryStart = resource.indexOf("?");
  const path = queryStart < 0 ? resource : resource.slice(0, queryStart);
  const query = parseQuery(queryStart < 0 ? "" : resource.slice(queryStart + 1));
  const segments = path.split("/").filter((s) => s !== "");
  const route = matchRoute({ method, segments, query, body });
  if (!route) throw new MnsServiceError("InvalidRequestURL", `${method} ${path} is not an MNS operation.`);
  operationSeen(route);

  const { accountId, accessKeyId } = authenticate(
    { method, headers: req.headers, resource, body },
    deps.resolveKey,
    deps.now(),
  );
  const request = ramRequestOf(route.operation, segments, deps.region, accountId);
  deps.authorizer.authorize(accessKeyId, header(req, "security-token"), request);
  return route.handler({
    deps,
    store: deps.store,
    longPolls,
    operation: route.operation,
    accountId,
    name: segments[1] ?? "",
    subscriptionName: segments[3] ?? "",
    path,
    query,
    headers: req.headers,
    host: req.headers.host ?? "127.0.0.1",
    body,
    res: exchange.res,
    answer: exchange.answer,
  });
}

/** Writes a reply, or an error as MNS's `<Error>` document, with the common response headers. */
function writeReply(req: IncomingMessage, res: ServerResponse, id: string, reply: Reply | MnsServiceError) {
  if (res.writableEnded || res.destroyed) return;
  const r: Reply =
    reply instanceof MnsServiceError
      ? {
          status: reply.httpStatus,
          root: "Error",
          fields: {
            Code: reply.code,
            Message: reply.message,
            RequestId: id,
            HostId: `http://${req.headers.host ?? ""}`,
          },
        }
      : reply;
  const headers: Record<string, string> = {
    "x-mns-request-id": id,
    "x-mns-version": "2015-06-06",
    ...r.headers,
  };
  if (!r.root) {
    headers["Content-Length"] = "0";
    res.writeHead(r.status, headers);
    res.end();
    return;
  }
  const text = renderXml(r.root, r.fields ?? {});
  headers["Content-Type"] = "text/xml;charset=utf-8";
  headers["Content-Length"] = String(Buffer.byteLength(text));
  res.writeHead(r.status, headers);
  res.end(text);
}

/** The one answer of a request: written once, after the changes so far are durable (when journaled). */
function answerOnce(deps: MnsServerDeps, req: IncomingMessage, res: ServerResponse): Answer {
  const id = requestId();
  let answered = false;
  return (reply) => {
    if (answered || res.writableEnded || res.destroyed) return;
    answered = true;
    if (!deps.durable) {
      writeReply(req, res, id, reply);
      return;
    }
    // After this request's own bookkeeping (`changed`, which runs right after `answer`) is journaled.
    void Promise.resolve()
      .then(deps.durable)
      .then(
        () => writeReply(req, res, id, reply),
        (err: unknown) =>
          writeReply(
            req,
            res,
            id,
            new MnsServiceError("InternalError", `the change was not stored: ${String(err)}`),
          ),
      );
  };
}

export function createMnsServer(deps: MnsServerDeps): MnsHttpServer {
  const longPolls = createLongPolls(deps);

  const server = createServer((req, res) => {
    const certificate = deps.signingCertificate;
    if (certificate && req.method === "GET" && req.url === certificate.path) {
      // Public, as MNS's own certificate bucket: a receiver fetches it to verify a push.
      res.writeHead(200, {
        "Content-Type": "application/x-pem-file",
        "Content-Length": certificate.pem.length,
      });
      res.end(certificate.pem);
      return;
    }
    const answer = answerOnce(deps, req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_REQUEST_BYTES) {
        answer(new MnsServiceError("InvalidArgument", "The request body is too large."));
        return;
      }
      let mayChange = false;
      try {
        const exchange = { req, res, body: Buffer.concat(chunks), answer };
        const reply = handle(deps, longPolls, exchange, ({ operation }) => {
          deps.countCall(operation);
          mayChange = mayChangeState(operation);
        });
        if (reply) answer(reply);
      } catch (err) {
        answer(err instanceof MnsServiceError ? err : new MnsServiceError("InternalError", String(err)));
      }
      if (mayChange) deps.changed();
    });
  });

  deps.store.setListener(longPolls.wakeQueue);

  return { server, releaseWaiters: longPolls.releaseAll };
}
