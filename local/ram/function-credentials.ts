/**
 * What FC does for a function with a role: it assumes the role as the service `fc.aliyuncs.com`
 * (the role's trust policy must admit it) and hands every invocation the role's current temporary
 * keys in `context.credentials`, with a non-empty `securityToken`. Keys are replaced once half
 * their lifetime is gone, so an invocation always starts with at least half a lifetime left; the
 * old keys stay valid until they expire, as rotated STS keys do.
 */
import type { LocalRam, StsSession } from "./model";

export const FC_SERVICE = "fc.aliyuncs.com";

/** FC's function credentials are valid for 36 hours (README.md); tests pass seconds to see a rotation. */
export const FC_CREDENTIALS_LIFETIME_SECONDS = 36 * 3600;

export interface FunctionKeys {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

export function functionCredentials(
  ram: LocalRam,
  roleArn: string,
  functionName: string,
  lifetimeSeconds: number = FC_CREDENTIALS_LIFETIME_SECONDS,
): () => FunctionKeys {
  let session: StsSession | undefined;
  const issue = (): StsSession => ram.issueServiceSession(FC_SERVICE, roleArn, lifetimeSeconds, functionName);
  // Issued at once, so a role whose trust policy does not admit FC stops the stack at start-up.
  session = issue();
  return () => {
    const now = ram.now();
    if (!session || session.expiresAt - now < (lifetimeSeconds * 1000) / 2) session = issue();
    const { accessKeyId, accessKeySecret, securityToken } = session;
    return { accessKeyId, accessKeySecret, securityToken };
  };
}
