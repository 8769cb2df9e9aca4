/**
 * The answers the simulator gives when something is wrong, with the codes, statuses and messages
 * the Alibaba Cloud RPC gateway and ECS/STS use (docs/cloud-facts.md, "ECS RPC wire"; docs/processing.md, "Error classes"; docs/local.md, "The ECS simulator").
 */

export interface RpcFault {
  status: number;
  code: string;
  message: string;
  /** Milliseconds; sent as `x-acs-retry-after`, which the v7 SDK's retry loop honours. */
  retryAfterMs?: number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; fault: RpcFault };

export const fault = (status: number, code: string, message: string): RpcFault => ({ status, code, message });

export const FAULTS = {
  missingAuthorization: fault(
    400,
    "IncompleteSignature",
    "The request signature does not conform to Aliyun standards: no Authorization header and no Signature parameter.",
  ),
  malformedAuthorization: fault(
    400,
    "IncompleteSignature",
    "The request signature does not conform to Aliyun standards: the Authorization header cannot be parsed.",
  ),
  unsupportedSignatureAlgorithm: (name: string): RpcFault =>
    fault(400, "IncompleteSignature", `The signature algorithm "${name}" is not supported.`),
  unknownAccessKey: fault(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
  signatureMismatch: (serverStringToSign: string): RpcFault =>
    fault(
      400,
      "SignatureDoesNotMatch",
      `Specified signature is not matched with our calculation. server string to sign is:${serverStringToSign}`,
    ),
  contentHashMismatch: fault(
    400,
    "SignatureDoesNotMatch",
    "Specified signature is not matched with our calculation: x-acs-content-sha256 is not the SHA-256 of the body.",
  ),
  nonceUsed: fault(400, "SignatureNonceUsed", "Specified signature nonce was used already."),
  missingNonce: fault(400, "MissingParameter", "The input parameter SignatureNonce is mandatory."),
  timestampExpired: fault(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."),
  timestampMalformed: fault(
    400,
    "InvalidTimeStamp.Format",
    "Specified time stamp or date value is not well formatted.",
  ),
  missingSecurityToken: fault(400, "MissingSecurityToken", "SecurityToken is mandatory for this action."),
  securityTokenMalformed: fault(
    400,
    "InvalidSecurityToken.Malformed",
    "Specified SecurityToken is malformed.",
  ),
  securityTokenMismatch: fault(
    400,
    "InvalidSecurityToken.MismatchWithAccessKey",
    "Specified SecurityToken mismatch with the AccessKey.",
  ),
  securityTokenExpired: fault(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired."),
  missingAction: fault(
    400,
    "MissingParameter",
    'The input parameter "Action" that is mandatory for processing this request is not supplied.',
  ),
  missingVersion: fault(
    400,
    "MissingParameter",
    'The input parameter "Version" that is mandatory for processing this request is not supplied.',
  ),
  unknownVersion: (version: string): RpcFault =>
    fault(400, "InvalidVersion", `Specified parameter Version "${version}" is not valid.`),
  unknownAction: fault(
    404,
    "InvalidAction.NotFound",
    "Specified api is not found, please check your url and method.",
  ),
  throttled: fault(400, "Throttling.User", "Request was denied due to user flow control."),
  serviceUnavailable: fault(
    503,
    "ServiceUnavailable",
    "The request has failed due to a temporary failure of the server.",
  ),
  internalError: fault(
    500,
    "InternalError",
    "The request processing has failed due to some unknown error, exception or failure.",
  ),
  idempotentMismatch: fault(
    400,
    "IdempotentParameterMismatch",
    "The request uses the same client token as a previous, but non-identical request.",
  ),
  lastTokenProcessing: fault(403, "LastTokenProcessing", "The last token request is processing."),
  missingRegionId: fault(400, "MissingRegionId", "RegionId is mandatory for this action."),
  invalidParameter: (name: string, why: string): RpcFault =>
    fault(400, "InvalidParameter", `The specified parameter "${name}" is not valid: ${why}`),
  missingParameter: (name: string): RpcFault =>
    fault(
      400,
      `MissingParameter`,
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    ),
  imagePipelineNotFound: fault(
    404,
    "InvalidImagePipelineId.NotFound",
    "The specified ImagePipelineId does not exist.",
  ),
} as const;

/**
 * Answers the API gateway gives itself, before ECS sees the request: an HTML page with the status
 * line as title and heading, the way Tengine (the gateway's web server) writes them. The SDK reads
 * every answer as JSON, so such a page reaches it as an unreadable body with only its status
 * (aliyun/openapi-core-nodejs-sdk issue #55 shows the 414 one).
 */
export interface GatewayPage {
  status: number;
  reason: string;
  /** Key under which the answer is counted in `calls().<action>.answered`. */
  counted: string;
}

const gatewayPage = (status: number, reason: string): GatewayPage => ({
  status,
  reason,
  counted: `Http${status}`,
});

export const GATEWAY_PAGES = {
  uriTooLarge: gatewayPage(414, "Request-URI Too Large"),
  badGateway: gatewayPage(502, "Bad Gateway"),
} as const;

export function gatewayPageHtml(page: GatewayPage): string {
  const line = `${page.status} ${page.reason}`;
  return `<html>\r\n<head><title>${line}</title></head>\r\n<body>\r\n<h1>${line}</h1>\r\n<hr/>Powered by Tengine\r\n</body>\r\n</html>\r\n`;
}
