/**
 * The submit and status functions as FC runs them (FC3 events in, HTTP results out), wired to
 * in-memory ports instead of Tablestore and MNS: what the unit tests of the HTTP layer call.
 */
import { createHttpFunction } from "../../../shared/http/http-function";
import { statusOperations } from "../../../shared/http/status-operations";
import { submitOperations } from "../../../shared/http/submit-operations";
import type { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "../app/fakes";
import type { TokenKit } from "./token-kit";

export const SERVICE_ACCOUNT = "1000000000000001";

export interface InMemoryPorts {
  store: InMemoryRecordStore;
  queue: InMemoryQueue;
  clock: FakeClock;
  logger: CapturingLogger;
}

export type HttpFunction = ReturnType<typeof createHttpFunction>;

export function inMemoryFunctions(
  kit: Pick<TokenKit, "verifier">,
  { store, queue, clock, logger }: InMemoryPorts,
): { submit: HttpFunction; status: HttpFunction } {
  return {
    submit: createHttpFunction({
      functionName: "submit",
      verifier: () => kit.verifier,
      logger,
      operations: submitOperations(() => ({
        accept: { store, queue, clock, logger, serviceAccountId: SERVICE_ACCOUNT },
        cancel: { store, clock, logger },
        validate: { serviceAccountId: SERVICE_ACCOUNT },
      })),
    }),
    status: createHttpFunction({
      functionName: "status",
      verifier: () => kit.verifier,
      logger,
      operations: statusOperations(() => ({ store })),
    }),
  };
}
