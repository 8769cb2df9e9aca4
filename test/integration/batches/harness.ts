/**
 * The submit and status functions in-process behind one local HTTP port (the local FC gateway's
 * event mapping), over the real Tablestore and MNS adapters against their emulators, so tests and
 * scripts/batch.ts talk plain HTTP to the real handlers.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { serveThroughFunction } from "../../../local/fc/http-gateway";
import { LOCAL_SERVICE_ACCOUNT_ID } from "../../../local/identities";
import type { IndexLag, RunningTablestore } from "../../../local/tablestore/index";
import { MnsRequestQueue } from "../../../shared/adapters/mns/request-queue";
import { TablestoreRecordStore } from "../../../shared/adapters/tablestore/record-store";
import { recordsTableDefinition } from "../../../shared/adapters/tablestore/table-schema";
import type { FcContext } from "../../../shared/fc/context";
import { createHttpFunction } from "../../../shared/http/http-function";
import { matchRoute } from "../../../shared/http/routes";
import { statusOperations } from "../../../shared/http/status-operations";
import { submitOperations } from "../../../shared/http/submit-operations";
import { CapturingLogger } from "../../unit/app/fakes";
import { type TokenKit, tokenKit } from "../../unit/http/token-kit";
import {
  mnsClient,
  type RunningMns,
  startMnsEmulator,
  startTablestoreEmulator,
  tablestoreClient,
} from "../adapters/harness";

const TABLE = "image_pipeline_records";
const QUEUE = "image-pipeline-requests";

export interface BatchService {
  url: string;
  kit: TokenKit;
  tablestore: RunningTablestore;
  mns: RunningMns;
  store: TablestoreRecordStore;
  logger: CapturingLogger;
  close(): Promise<void>;
}

const systemClock = {
  now: () => new Date(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** `indexLagMs`: the Tablestore emulator's global-index lag (see local/tablestore/README.md). */
export async function startBatchService(options: { indexLagMs?: IndexLag } = {}): Promise<BatchService> {
  const tablestore = await startTablestoreEmulator(options);
  const mns = await startMnsEmulator();
  const tsClient = tablestoreClient(tablestore);
  await tsClient.createTable(recordsTableDefinition(TABLE));
  const mnsSdk = mnsClient(mns);
  await mnsSdk.createQueue(QUEUE);
  const store = new TablestoreRecordStore({ client: tsClient, table: TABLE, rowRetryBaseDelayMs: 1 });
  const queue = new MnsRequestQueue({ client: mnsSdk, queue: QUEUE });
  const kit = await tokenKit();
  const logger = new CapturingLogger();
  const context: FcContext = {
    requestId: "req",
    credentials: { accessKeyId: "", accessKeySecret: "", securityToken: "" },
    function: { name: "fn", handler: "index.handler", memory: 512, timeout: 30 },
    region: "cn-hangzhou",
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
  };
  const handlers = {
    submit: createHttpFunction({
      functionName: "submit",
      verifier: () => kit.verifier,
      logger,
      operations: submitOperations(() => ({
        accept: { store, queue, clock: systemClock, logger, serviceAccountId: LOCAL_SERVICE_ACCOUNT_ID },
        cancel: { store, clock: systemClock, logger },
        validate: { serviceAccountId: LOCAL_SERVICE_ACCOUNT_ID },
      })),
    }),
    status: createHttpFunction({
      functionName: "status",
      verifier: () => kit.verifier,
      logger,
      operations: statusOperations(() => ({ store })),
    }),
  };
  const runtimeOf = (name: "submit" | "status") => ({
    name,
    invoke: async (event: Buffer, options?: { requestId?: string }) => ({
      ok: true as const,
      value: await handlers[name](event, { ...context, requestId: options?.requestId ?? "req" }),
      requestId: options?.requestId ?? "req",
    }),
    instances: () => 1,
    close: async () => {},
  });
  const server = createServer((req, res) => {
    void serveThroughFunction(req, res, {
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
      route: (method, path) => {
        const match = matchRoute(method, path);
        return match.kind === "found" ? runtimeOf(match.route.function) : undefined;
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    kit,
    tablestore,
    mns,
    store,
    logger,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tablestore.close();
      await mns.close();
    },
  };
}
