/** The injected send failures (`sendErrorRate`) the message and publish handlers share. */
import type { MnsServerDeps } from "./context";
import { MnsServiceError } from "./errors";

export function sendFaultHits(deps: MnsServerDeps): boolean {
  const rate = deps.faults().sendErrorRate;
  return rate > 0 && deps.random() < rate;
}

export const injectedSendError = (): MnsServiceError =>
  new MnsServiceError(
    "InternalError",
    "The service has encountered an internal error (injected by sendErrorRate).",
  );
