/** The STS action: AssumeRole, authorised and issued by the identity directory (identity.ts). */
import { type ActionContext, type ActionResult, answer, isoSeconds, parse } from "./actions";
import type { AssumeRoleInput } from "./identity";
import { ASSUME_ROLE_SHAPE } from "./wire";

export async function assumeRole(ctx: ActionContext): Promise<ActionResult> {
  const parsed = parse(ctx, ASSUME_ROLE_SHAPE);
  if (!parsed.ok) return parsed;
  const input = parsed.value as AssumeRoleInput;
  const assumed = ctx.identities.assumeRole(ctx.principal, input, ctx.now());
  if (!assumed.ok) return assumed;
  const { session, assumedRoleId, assumedRoleUserArn } = assumed.value;
  return answer({
    AssumedRoleUser: { Arn: assumedRoleUserArn, AssumedRoleId: assumedRoleId },
    Credentials: {
      AccessKeyId: session.accessKeyId,
      AccessKeySecret: session.accessKeySecret,
      SecurityToken: session.securityToken,
      Expiration: isoSeconds(session.expiresAt),
    },
    ...(typeof input.SourceIdentity === "string" ? { SourceIdentity: input.SourceIdentity } : {}),
  });
}
