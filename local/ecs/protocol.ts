/**
 * The Alibaba Cloud RPC request as it arrives over HTTP: parameters from the query string and a
 * form body, action and version from the `x-acs-*` headers (V3) or the query (V1), and the two
 * request signatures the SDKs produce: ACS3-HMAC-SHA256 in headers (openapi-core `doRequest`, the
 * default) and HMAC-SHA1 in the query (`signatureAlgorithm: "v2"`, openapi-core `doRPCRequest`).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { FAULTS, type Outcome } from "./errors";

export interface RpcRequest {
  method: string;
  pathname: string;
  /** Decoded query parameters (first value of each name). */
  query: Record<string, string>;
  /** Query and form body merged; the query wins on a clash. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function parseRpcRequest(
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): RpcRequest {
  const url = new URL(rawUrl, "http://simulator.invalid");
  const query = firstValues(url.searchParams);
  const contentType = header(headers, "content-type") ?? "";
  const form = contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")
    ? firstValues(new URLSearchParams(body.toString("utf8")))
    : {};
  return { method, pathname: url.pathname, query, params: { ...form, ...query }, headers, body };
}

function firstValues(search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of search) if (!Object.hasOwn(out, key)) out[key] = value;
  return out;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

export interface Dispatch {
  action: string | undefined;
  version: string | undefined;
}

export function dispatchOf(request: RpcRequest): Dispatch {
  return {
    action: header(request.headers, "x-acs-action") ?? request.params.Action,
    version: header(request.headers, "x-acs-version") ?? request.params.Version,
  };
}

/** What a presented signature claims; the key lookup and comparison happen in `verifySignature`. */
export interface SignatureClaim {
  style: "ACS3-HMAC-SHA256" | "HMAC-SHA1";
  accessKeyId: string;
  securityToken: string | undefined;
  nonce: string;
  /** Milliseconds since the epoch, from `x-acs-date` or `Timestamp`. */
  signedAt: number;
  verify(accessKeySecret: string): Outcome<true>;
}

const ACS3 = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]*),Signature=([0-9a-f]+)$/;

export function readSignature(request: RpcRequest): Outcome<SignatureClaim> {
  const authorization = header(request.headers, "authorization");
  if (authorization !== undefined) return readAcs3(request, authorization);
  if (request.params.Signature !== undefined) return readHmacSha1(request);
  return { ok: false, fault: FAULTS.missingAuthorization };
}

function readAcs3(request: RpcRequest, authorization: string): Outcome<SignatureClaim> {
  const algorithm = authorization.split(" ", 1)[0] ?? "";
  if (algorithm !== "ACS3-HMAC-SHA256") {
    return { ok: false, fault: FAULTS.unsupportedSignatureAlgorithm(algorithm) };
  }
  const match = ACS3.exec(authorization.trim());
  if (!match) return { ok: false, fault: FAULTS.malformedAuthorization };
  const [, accessKeyId, signedHeaderList, signature] = match as unknown as [string, string, string, string];
  const signedHeaders = signedHeaderList.split(";");
  // The gateway insists that the request's identity-bearing headers are covered by the signature.
  for (const required of ["host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"]) {
    if (!signedHeaders.includes(required)) return { ok: false, fault: FAULTS.malformedAuthorization };
  }
  const nonce = header(request.headers, "x-acs-signature-nonce");
  if (!nonce) return { ok: false, fault: FAULTS.missingNonce };
  const signedAt = parseIsoSeconds(header(request.headers, "x-acs-date"));
  if (signedAt === undefined) return { ok: false, fault: FAULTS.timestampMalformed };
  const bodyHash = sha256Hex(request.body);
  if (header(request.headers, "x-acs-content-sha256") !== bodyHash) {
    return { ok: false, fault: FAULTS.contentHashMismatch };
  }
  const canonicalQuery = Object.keys(request.query)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(request.query[key]!)}`)
    .join("&");
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(header(request.headers, name) ?? "").trim()}\n`)
    .join("");
  const canonicalRequest = [
    request.method,
    canonicalUri(request.pathname),
    canonicalQuery,
    canonicalHeaders,
    signedHeaderList,
    bodyHash,
  ].join("\n");
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(Buffer.from(canonicalRequest, "utf8"))}`;
  return {
    ok: true,
    value: {
      style: "ACS3-HMAC-SHA256",
      accessKeyId,
      securityToken: header(request.headers, "x-acs-security-token"),
      nonce,
      signedAt,
      verify: (secret) =>
        sameText(createHmac("sha256", secret).update(stringToSign).digest("hex"), signature)
          ? { ok: true, value: true }
          : { ok: false, fault: FAULTS.signatureMismatch(stringToSign) },
    },
  };
}

function readHmacSha1(request: RpcRequest): Outcome<SignatureClaim> {
  const { params } = request;
  if (params.SignatureMethod !== "HMAC-SHA1") {
    return { ok: false, fault: FAULTS.unsupportedSignatureAlgorithm(params.SignatureMethod ?? "") };
  }
  const accessKeyId = params.AccessKeyId;
  if (!accessKeyId) return { ok: false, fault: FAULTS.missingParameter("AccessKeyId") };
  const nonce = params.SignatureNonce;
  if (!nonce) return { ok: false, fault: FAULTS.missingNonce };
  const signedAt = parseIsoSeconds(params.Timestamp);
  if (signedAt === undefined) return { ok: false, fault: FAULTS.timestampMalformed };
  const canonical = Object.keys(params)
    .filter((key) => key !== "Signature")
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key]!)}`)
    .join("&");
  const stringToSign = `${request.method}&${percentEncode("/")}&${percentEncode(canonical)}`;
  const signature = params.Signature ?? "";
  return {
    ok: true,
    value: {
      style: "HMAC-SHA1",
      accessKeyId,
      securityToken: params.SecurityToken,
      nonce,
      signedAt,
      verify: (secret) =>
        sameText(createHmac("sha1", `${secret}&`).update(stringToSign).digest("base64"), signature)
          ? { ok: true, value: true }
          : { ok: false, fault: FAULTS.signatureMismatch(stringToSign) },
    },
  };
}

/** RFC 3986 encoding as the signers use it: encodeURIComponent plus `!'()*`. */
export function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalUri(pathname: string): string {
  return pathname.replace(/\+/g, "%20").replace(/\*/g, "%2A").replace(/%7E/g, "~");
}

function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `YYYY-MM-DDTHH:mm:ssZ`, the only form the signers send. */
function parseIsoSeconds(value: string | undefined): number | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
