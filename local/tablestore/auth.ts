/**
 * Request authentication as the service does it (reference/tablestore.md §2.1): instance name,
 * access key, clock skew, body MD5 and the HMAC-SHA1 `x-ots-signature` over
 * "/<Operation>\nPOST\n\n" + the sorted x-ots-* headers.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { LOCAL_ACCESS_KEYS } from "../identities";
import { ots } from "./errors";

/**
 * Secret for an STS temporary key, or undefined if the key/token pair is unknown. The ECS
 * simulator's STS state is not shared with this emulator yet; the local stack can pass a
 * resolver here once it is.
 */
export type TemporaryKeyResolver = (accessKeyId: string, securityToken: string) => string | undefined;

export interface AuthOptions {
  instanceName: string;
  resolveTemporaryKey: TemporaryKeyResolver | undefined;
  now: number;
}

const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function stringToSign(operation: string, headers: IncomingHttpHeaders): string {
  const signed = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .filter((h) => h.startsWith("x-ots-") && h !== "x-ots-signature")
    .sort();
  const canonical = signed.map((h) => `${h}:${header(headers, h) ?? ""}`).join("\n");
  return `/${operation}\nPOST\n\n${canonical}\n`;
}

function secretFor(
  headers: IncomingHttpHeaders,
  accessKeyId: string,
  resolve: TemporaryKeyResolver | undefined,
): string {
  const securityToken = header(headers, "x-ots-ststoken");
  if (securityToken) {
    const secret = resolve?.(accessKeyId, securityToken);
    if (!secret) throw ots.authFailed("The security token you provided is invalid.");
    return secret;
  }
  const key = LOCAL_ACCESS_KEYS.find((k) => k.accessKeyId === accessKeyId);
  if (!key) throw ots.authFailed("The AccessKeyID does not exist.");
  return key.accessKeySecret;
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Throws OTSAuthFailed (403) unless the request is signed by a known key for this instance. */
export function authenticate(
  operation: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  options: AuthOptions,
): void {
  const instance = header(headers, "x-ots-instancename");
  if (instance !== options.instanceName)
    throw ots.authFailed(`The instance '${instance ?? ""}' is not found.`);
  const accessKeyId = header(headers, "x-ots-accesskeyid");
  const signature = header(headers, "x-ots-signature");
  const date = header(headers, "x-ots-date");
  if (!accessKeyId || !signature || !date)
    throw ots.authFailed("Missing x-ots-accesskeyid, x-ots-signature or x-ots-date.");
  const sentAt = Date.parse(date);
  if (Number.isNaN(sentAt) || Math.abs(options.now - sentAt) > MAX_CLOCK_SKEW_MS) {
    throw ots.authFailed("Mismatch between system time and x-ots-date.");
  }
  const md5 = header(headers, "x-ots-contentmd5");
  if (md5 !== undefined && md5 !== createHash("md5").update(body).digest("base64")) {
    throw ots.authFailed("Mismatch between MD5 value of request body and x-ots-contentmd5 in header.");
  }
  const secret = secretFor(headers, accessKeyId, options.resolveTemporaryKey);
  const expected = createHmac("sha1", secret).update(stringToSign(operation, headers)).digest("base64");
  if (!equalText(expected, signature)) throw ots.authFailed("Signature mismatch.");
}
