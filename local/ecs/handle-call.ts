/**
 * One RPC call through the simulator, in the order the real endpoint judges it: the gateway's
 * request-line limit, the route (./routes.ts), the signature (freshness, key, nonce), RAM for ECS
 * actions, the injected faults, then the action itself, whose commit is durable before any answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ActionContext } from "./actions";
import { FAULTS, GATEWAY_PAGES, type GatewayPage, type Outcome, type RpcFault } from "./errors";
import type { Principal } from "./identity";
import { dispatchOf, parseRpcRequest, type RpcRequest, readSignature } from "./protocol";
import { Reply } from "./reply";
import { type ActionSpec, route, serviceOfVersion, specOf } from "./routes";
import { type EcsState, firstUse, injectedDelay, roll, SIGNATURE_WINDOW_MS, takeForced } from "./state";

/**
 * The longest request line (`POST /?<query> HTTP/1.1`) the gateway takes; a longer one is answered
 * 414 before ECS sees it. No figure is published for the ECS endpoint itself: Alibaba Cloud's API
 * Gateway documents "Maximum URL + header size: 8 KB", and the gateway's Tengine (nginx) refuses a
 * request line that does not fit one 8 KB header buffer. We take the URL's share alone at 8 KiB;
 * README.md ("Request size") says why that is the stricter reading that still admits every request
 * the SDKs make with short URLs.
 */
export const MAX_REQUEST_LINE_BYTES = 8 * 1024;

const requestLineBytes = (req: IncomingMessage): number =>
  Buffer.byteLength(`${req.method ?? ""} ${req.url ?? ""} HTTP/${req.httpVersion}`, "utf8");

interface Caller {
  principal: Principal;
  /** The simulated clock when the call was authenticated. */
  at: number;
}

/** What the fault settings make of a call that passed authentication. */
type FaultVerdict =
  | { kind: "fault"; fault: RpcFault }
  | { kind: "page"; page: GatewayPage }
  | { kind: "proceed"; dropForced: boolean; emptyForced: boolean };

const PROCEED: FaultVerdict = { kind: "proceed", dropForced: false, emptyForced: false };

export async function handleCall(
  state: EcsState,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  const request = parseRpcRequest(req.method ?? "GET", req.url ?? "/", req.headers, body);
  const { action, version } = dispatchOf(request);
  const reply = new Reply(res, action, serviceOfVersion(version), state.log);
  // The gateway refuses an overlong request line before it looks at anything else.
  if (requestLineBytes(req) > MAX_REQUEST_LINE_BYTES) {
    const known = specOf(action, version);
    if (known) reply.countAs(state.counters[known.counter]);
    return reply.page(GATEWAY_PAGES.uriTooLarge);
  }
  const routed = route(request.method, action, version);
  if (!routed.ok) return reply.fail(routed.fault);
  const spec = routed.value;
  reply.countAs(state.counters[spec.counter], spec.service);
  const caller = admit(state, request, spec, action ?? "");
  if (!caller.ok) return reply.fail(caller.fault);
  const verdict = spec.faultable ? injectedFault(state, spec, caller.value) : PROCEED;
  if (verdict.kind === "fault") return reply.fail(verdict.fault);
  if (verdict.kind === "page") return reply.page(verdict.page);
  await runAction(state, { req, request, spec, caller: caller.value, verdict, reply });
}

/** The signature, its freshness and nonce, then RAM for an ECS action. */
function admit(state: EcsState, request: RpcRequest, spec: ActionSpec, action: string): Outcome<Caller> {
  const claim = readSignature(request);
  if (!claim.ok) return claim;
  // Signature freshness is judged by the wall clock the signer used, whatever the simulated clock says.
  const wallClock = Date.now();
  if (Math.abs(wallClock - claim.value.signedAt) > SIGNATURE_WINDOW_MS) {
    return { ok: false, fault: FAULTS.timestampExpired };
  }
  const at = state.now();
  const principal = state.identities.authenticate(claim.value, at);
  if (!principal.ok) return principal;
  if (!firstUse(state, claim.value.accessKeyId, claim.value.nonce, wallClock)) {
    return { ok: false, fault: FAULTS.nonceUsed };
  }
  // STS AssumeRole is authorised inside the action (the role ARN is its resource).
  if (spec.service === "Ecs") {
    const allowed = state.identities.authorizeEcs(principal.value, action, request.params);
    if (!allowed.ok) return allowed;
  }
  return { ok: true, value: { principal: principal.value, at } };
}

/** The QPS limit, then the forced faults (CreateImagePipeline only) and the dice, in that order. */
function injectedFault(state: EcsState, spec: ActionSpec, caller: Caller): FaultVerdict {
  const { faults } = state;
  if (!state.limiter.admit(caller.principal.accountId, faults.qpsPerAccount, caller.at)) {
    return { kind: "fault", fault: FAULTS.throttled };
  }
  const isCreate = spec.counter === "createImagePipeline";
  const forced = (kind: Parameters<typeof takeForced>[1]) => isCreate && takeForced(state, kind);
  if (forced("throttle") || roll(state, faults.throttleRate))
    return { kind: "fault", fault: FAULTS.throttled };
  if (forced("serverError") || roll(state, faults.serverErrorRate)) {
    return { kind: "fault", fault: FAULTS.serviceUnavailable };
  }
  if (forced("badGateway")) return { kind: "page", page: GATEWAY_PAGES.badGateway };
  if (forced("uriTooLarge")) return { kind: "page", page: GATEWAY_PAGES.uriTooLarge };
  const dropForced = forced("dropAfterCommit");
  return { kind: "proceed", dropForced, emptyForced: forced("emptyAnswer") };
}

interface AdmittedCall {
  req: IncomingMessage;
  request: RpcRequest;
  spec: ActionSpec;
  caller: Caller;
  verdict: Extract<FaultVerdict, { kind: "proceed" }>;
  reply: Reply;
}

/** Runs the action; what it committed is on disk before the caller can learn of it (or lose the answer). */
async function runAction(state: EcsState, call: AdmittedCall): Promise<void> {
  const { spec, verdict, reply } = call;
  const ctx: ActionContext = {
    principal: call.caller.principal,
    params: call.request.params,
    now: state.now,
    store: state.store,
    identities: state.identities,
    delay: spec.faultable ? () => injectedDelay(state) : async () => {},
    shouldDropAfterCommit: () =>
      verdict.dropForced || (spec.faultable && roll(state, state.faults.dropAfterCommitRate)),
  };
  const result = await spec.run(ctx);
  await state.persistence?.durable();
  if (!result.ok) return reply.fail(result.fault);
  if (result.value.drop) return reply.drop(call.req);
  if (verdict.emptyForced) return reply.empty();
  reply.send(200, result.value.body, "OK");
}
