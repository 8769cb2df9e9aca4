/**
 * One way to build an `@alicloud/mns` client, for real MNS and for the local emulator alike: with
 * `endpoint` (e.g. `http://127.0.0.1:PORT`) the SDK talks to that URL and puts its host into the
 * `Host` header; without it, the SDK builds `https://<accountId>.mns.<region>.aliyuncs.com`.
 */
import MnsSdkClient from "@alicloud/mns/lib/client.js";

export type { MnsSdkClient };

export interface MnsClientConfig {
  accountId: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token; the SDK sends it as the `security-token` header. */
  securityToken?: string | undefined;
  /** Full base URL; when absent, `region` selects the public endpoint (or `internal` the intranet one). */
  endpoint?: string | undefined;
  region?: string;
  internal?: boolean;
  /** ms; default 35 s. Node applies it as the socket idle timeout, so it must exceed a 30 s long poll. */
  connectTimeout?: number;
  /** ms; default 40 s (the SDK's). */
  readTimeout?: number;
}

/** Longest `waitseconds` MNS allows (30 s) plus a margin; see docs/cloud-facts.md, "MNS" (long-poll pitfall). */
const LONG_POLL_SAFE_TIMEOUT_MS = 35_000;

export function createMnsClient(config: MnsClientConfig): MnsSdkClient {
  if (!config.endpoint && !config.region) throw new TypeError("an MNS client needs an endpoint or a region");
  return new MnsSdkClient(config.accountId, {
    accessKeyId: config.accessKeyId,
    accessKeySecret: config.accessKeySecret,
    securityToken: config.securityToken,
    ...(config.endpoint
      ? { endpoint: config.endpoint.replace(/\/+$/, "") }
      : { region: config.region, secure: !config.internal, internal: config.internal }),
    connectTimeout: config.connectTimeout ?? LONG_POLL_SAFE_TIMEOUT_MS,
    readTimeout: config.readTimeout ?? 40_000,
  });
}
