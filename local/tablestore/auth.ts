/**
 * Request authentication as the service does it (docs/cloud-facts.md, "Tablestore wire protocol"): instance name,
 * access key, clock skew, body MD5 and the HMAC-SHA1 `x-ots-signature` over
 * "/<Operation>\nPOST\n\n" + the sorted x-ots-* headers. Keys, STS tokens and RAM policies come
 * from the local RAM model shared with the other emulators (local/ram); see README.md for codes.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Caller, KeyRefusal, LocalRam } from "../ram/model";
import { OtsFailure, ots } from "./errors";
import { decode } from "./protocol";

export interface AuthOptions {
  instanceName: string;
  ram: LocalRam;
  now: number;
}

const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/**
 * The documented OTSAuthFailed messages where there is one; the error-code page lists no message
 * for a bad or expired STS token, so those are ours (still OTSAuthFailed 403).
 */
const KEY_MESSAGES: Record<KeyRefusal, string> = {
  UnknownKey: "The AccessKeyID does not exist.",
  MissingToken: "The security token is missing for this temporary AccessKeyID.",
  TokenWithLongTermKey: "The security token you provided is invalid.",
  TokenMismatch: "The security token you provided is invalid.",
  TokenMalformed: "The security token you provided is invalid.",
  TokenExpired: "The security token you provided has expired.",
};

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

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Throws OTSAuthFailed (403) unless the request is signed by a valid key for this instance; returns who signed it. */
export function authenticate(
  operation: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  options: AuthOptions,
): Caller {
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
  // Token expiry on the model's clock (tests may move it); signature freshness on the wall clock.
  const resolved = options.ram.resolveKey(accessKeyId, header(headers, "x-ots-ststoken") || undefined);
  if (!resolved.ok) throw ots.authFailed(KEY_MESSAGES[resolved.refusal]);
  const expected = createHmac("sha1", resolved.secret)
    .update(stringToSign(operation, headers))
    .digest("base64");
  if (!equalText(expected, signature)) throw ots.authFailed("Signature mismatch.");
  return resolved.caller;
}

type Named = { tableName: string };

/** The tables one request acts on (an index is a table of its own name); none for ListTable. */
const TABLES_OF: Record<string, (body: Buffer) => string[]> = {
  CreateTable: (b) => [decode<{ tableMeta: Named }>("CreateTableRequest", b).tableMeta.tableName],
  ListTable: () => [],
  BatchGetRow: (b) => decode<{ tables: Named[] }>("BatchGetRowRequest", b).tables.map((t) => t.tableName),
  BatchWriteRow: (b) => decode<{ tables: Named[] }>("BatchWriteRowRequest", b).tables.map((t) => t.tableName),
};

export interface AuthorizeOptions {
  ram: LocalRam;
  region: string;
  accountId: string;
  instanceName: string;
}

/** Tablestore's answer to a RAM identity without the permission (error codes page, README.md). */
export const noPermissionAccess = (): OtsFailure =>
  new OtsFailure(
    "OTSNoPermissionAccess",
    "You have no permission to access the requested resource, please contact the resource owner",
    403,
  );

/**
 * Throws OTSNoPermissionAccess unless the caller's policies allow `ots:<Operation>` on every table
 * the request names (`acs:ots:<region>:<account>:instance/<instance>/table/<table>`), or on the
 * instance for ListTable. A body that does not decode is left to the operation to refuse.
 */
export function authorize(operation: string, body: Buffer, caller: Caller, options: AuthorizeOptions): void {
  const instanceArn = `acs:ots:${options.region}:${options.accountId}:instance/${options.instanceName}`;
  let tables: string[];
  try {
    tables = (TABLES_OF[operation] ?? ((b: Buffer) => [decode<Named>(`${operation}Request`, b).tableName]))(
      body,
    );
  } catch {
    tables = [];
  }
  const resources =
    tables.length > 0 ? [...new Set(tables)].map((t) => `${instanceArn}/table/${t}`) : [instanceArn];
  for (const resource of resources) {
    if (options.ram.authorize(caller, { action: `ots:${operation}`, resource }) !== "Allow")
      throw noPermissionAccess();
  }
}
