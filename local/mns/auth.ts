/**
 * Request authentication as MNS does it (docs/cloud-facts.md, "MNS"): HMAC-SHA1 over verb,
 * Content-MD5, Content-Type, Date, the sorted `x-mns-*` headers and the raw path with query. The
 * `security-token` header is not part of the signature (no `x-mns-` prefix), so it is checked on its
 * own against the temporary key it must accompany. Keys, STS sessions and RAM policies come from the
 * local RAM model shared with the other emulators (local/ram); authorization is
 * {@link ramAuthorizer}. MNS documents no code for an expired token: AccessDenied, like every other
 * token refusal (README.md).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { LocalRam } from "../ram/model";
import { MnsServiceError } from "./errors";

/** A key the emulator accepts. Temporary (STS) keys carry the token that must come with them. */
export interface MnsAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
  securityToken?: string;
  /** Epoch ms after which a temporary key is refused. */
  expiresAt?: number;
}

export type ResolveAccessKey = (accessKeyId: string) => MnsAccessKey | undefined;

const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function stringToSign(method: string, headers: IncomingHttpHeaders, resource: string): string {
  const canonicalHeaders = Object.keys(headers)
    .filter((name) => name.startsWith("x-mns-"))
    .sort()
    .map((name) => `${name}:${header(headers, name) ?? ""}\n`)
    .join("");
  return [
    method,
    header(headers, "content-md5") ?? "",
    header(headers, "content-type") ?? "",
    header(headers, "date") ?? "",
    `${canonicalHeaders}${resource}`,
  ].join("\n");
}

export function sign(secret: string, text: string): string {
  return createHmac("sha1", secret).update(text, "utf8").digest("base64");
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Checks one request and returns the account it acts for. `resource` is the path and query exactly
 * as sent; `host` names the account when it has the real `<accountId>.mns.<region>...` form.
 */
export function authenticate(
  request: { method: string; headers: IncomingHttpHeaders; resource: string; body: Buffer },
  resolveKey: ResolveAccessKey,
  now: number,
): { accountId: string; accessKeyId: string } {
  const { headers } = request;
  if (!header(headers, "x-mns-version")) {
    throw new MnsServiceError("MissingVersionHeader", "The x-mns-version header is required.");
  }
  const date = header(headers, "x-mns-date") ?? header(headers, "date");
  if (!date) throw new MnsServiceError("MissingDateHeader", "The Date header is required.");
  const time = Date.parse(date);
  if (Number.isNaN(time))
    throw new MnsServiceError("InvalidDateHeader", `The Date header "${date}" is not a date.`);
  if (Math.abs(now - time) > MAX_CLOCK_SKEW_MS) {
    throw new MnsServiceError(
      "TimeExpired",
      "The request time differs from the server time by more than 15 minutes.",
    );
  }

  const authorization = header(headers, "authorization");
  if (!authorization)
    throw new MnsServiceError("MissingAuthorizationHeader", "The Authorization header is required.");
  const parsed = /^MNS ([^:\s]+):(\S+)$/.exec(authorization);
  if (!parsed) {
    throw new MnsServiceError(
      "InvalidAuthorizationHeader",
      'The Authorization header must be "MNS <AccessKeyId>:<Signature>".',
    );
  }
  const accessKeyId = parsed[1]!;
  const key = resolveKey(accessKeyId);
  // The code and message MNS documents for an AccessKeyId it does not know (error codes page).
  if (!key) throw new MnsServiceError("InvalidAccessKeyId", "The AccessKey Id you provided is not exist.");

  const md5 = header(headers, "content-md5");
  if (md5 !== undefined) {
    // The SDKs send base64 of the hex digest (docs/cloud-facts.md, "MNS"); base64 of the raw digest is the
    // RFC 1864 form, accepted too.
    const digest = createHash("md5").update(request.body).digest();
    const accepted = [Buffer.from(digest.toString("hex")).toString("base64"), digest.toString("base64")];
    if (!accepted.includes(md5))
      throw new MnsServiceError("InvalidDigest", "The Content-MD5 does not match the body.");
  }

  const expected = sign(key.accessKeySecret, stringToSign(request.method, headers, request.resource));
  if (!sameText(expected, parsed[2]!)) {
    throw new MnsServiceError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided.",
    );
  }

  const token = header(headers, "security-token");
  if (key.securityToken === undefined) {
    if (token !== undefined) {
      throw new MnsServiceError("AccessDenied", "A security-token was sent with a long-term AccessKey.");
    }
  } else {
    if (token === undefined) {
      throw new MnsServiceError("AccessDenied", "This temporary AccessKey needs its security-token header.");
    }
    if (!sameText(token, key.securityToken)) {
      throw new MnsServiceError("AccessDenied", "The security-token does not belong to this AccessKey.");
    }
    if (key.expiresAt !== undefined && key.expiresAt <= now) {
      throw new MnsServiceError("AccessDenied", "The security token has expired.");
    }
  }

  const hostAccount = /^(\d+)\.mns\./.exec(header(headers, "host") ?? "")?.[1];
  if (hostAccount !== undefined && hostAccount !== key.accountId) {
    throw new MnsServiceError(
      "AccessDenied",
      `The AccessKey of account ${key.accountId} may not act on account ${hostAccount}.`,
    );
  }
  return { accountId: key.accountId, accessKeyId };
}

/** A message operation's RAM action where it differs from the operation's name (MNS "RAM authorization" table). */
const RAM_ACTION_OF: Record<string, string> = {
  BatchSendMessage: "SendMessage",
  BatchReceiveMessage: "ReceiveMessage",
  BatchPeekMessage: "PeekMessage",
  BatchDeleteMessage: "DeleteMessage",
};

/**
 * The RAM action and resource of one MNS request, as the MNS RAM table lists them: queue and topic
 * operations on `/queues/<q>` or `/topics/<t>`, message operations on `.../messages`,
 * subscriptions on `/topics/<t>/subscriptions/<s>`.
 */
export function ramRequestOf(
  operation: string,
  segments: readonly string[],
  region: string,
  accountId: string,
): { action: string; resource: string } {
  const [collection, name, sub, subName] = segments;
  const path = [collection, name, sub, subName].filter((s) => s !== undefined).join("/");
  return {
    action: `mns:${RAM_ACTION_OF[operation] ?? operation}`,
    resource: `acs:mns:${region}:${accountId}:/${path}`,
  };
}

/** Who may do what: the local RAM model (local/ram), for the keys it knows. */
export interface MnsAuthorizer {
  /** Secret, account, token and expiry of a key the model issued or holds. */
  resolveKey: ResolveAccessKey;
  /** Throws AccessDenied (403) when the policies of the key's identity do not allow the request. */
  authorize(
    accessKeyId: string,
    securityToken: string | undefined,
    request: { action: string; resource: string },
  ): void;
}

export function ramAuthorizer(ram: LocalRam): MnsAuthorizer {
  return {
    resolveKey: (accessKeyId) => {
      const session = ram.session(accessKeyId);
      if (session) {
        const { accessKeySecret, accountId, securityToken, expiresAt } = session;
        return { accessKeyId, accessKeySecret, accountId, securityToken, expiresAt };
      }
      const longTerm = ram.resolveKey(accessKeyId, undefined);
      return longTerm.ok
        ? { accessKeyId, accessKeySecret: longTerm.secret, accountId: longTerm.caller.accountId }
        : undefined;
    },
    authorize: (accessKeyId, securityToken, request) => {
      const resolved = ram.resolveKey(accessKeyId, securityToken);
      // Keys added with control.addAccessKey are outside the model and not restricted by it.
      if (!resolved.ok) return;
      if (ram.authorize(resolved.caller, request) !== "Allow") {
        throw new MnsServiceError(
          "AccessDenied",
          `You are not authorized to do ${request.action} on ${request.resource}. You should be authorized by RAM.`,
        );
      }
    },
  };
}
