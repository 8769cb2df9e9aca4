/**
 * The submit and status functions as FC runs them (FC3 events in, HTTP results out), wired to
 * in-memory ports instead of Tablestore and MNS: what the unit tests of the HTTP layer call.
 */
import type { FcContext } from "../../shared/fc/context";
import { createHttpFunction } from "../../shared/http/http-function";
import { statusOperations } from "../../shared/http/status-operations";
import { submitOperations } from "../../shared/http/submit-operations";
import type { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "./fakes";
import type { TokenKit } from "./token-kit";

export const SERVICE_ACCOUNT = "1000000000000001";

/** The FC context an in-process invocation of an HTTP function gets. */
export const FC_CONTEXT: FcContext = {
  requestId: "req-1",
  credentials: { accessKeyId: "id", accessKeySecret: "secret", securityToken: "" },
  function: { name: "image-pipeline-submit", handler: "index.handler", memory: 512, timeout: 10 },
  region: "cn-hangzhou",
  accountId: SERVICE_ACCOUNT,
};

/** A CreateImagePipeline request every rule accepts. */
export const VALID_REQUEST_BODY = {
  RegionId: "cn-hangzhou",
  BaseImageType: "IMAGE",
  BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
  Name: "web-base-v1",
  BuildContent: "RUN yum install -y nginx",
};

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
