import * as http from "node:http";
import TableStore from "tablestore";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_TABLESTORE_INSTANCE,
} from "../../../local/identities";
import { type RunningTablestore, start } from "../../../local/tablestore/index";
import {
  createTablestoreClient,
  shouldRetry,
  TablestoreError,
  toTablestoreError,
} from "../../../shared/adapters/tablestore/index";
import {
  adapterClient,
  createRequestsTable,
  expectNotExist,
  failure,
  putRequest,
  REQUESTS_TABLE,
  stockClient,
} from "./helpers";

let emulator: RunningTablestore;

beforeAll(async () => {
  emulator = await start({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  emulator.control.reset();
  emulator.control.setFaults({ serverBusyRate: 0 });
  await createRequestsTable(adapterClient(emulator));
});

const putNew = (client: TableStore.Client, id: string) =>
  client.putRow({
    tableName: REQUESTS_TABLE,
    primaryKey: [{ request_id: id }],
    attributeColumns: [{ status: "pending" }],
    condition: expectNotExist(),
  });

describe("error mapping", () => {
  it("rejects with the OTS code, message, HTTP status and request id", async () => {
    const client = adapterClient(emulator);
    await putNew(client, "r1");
    const first = await failure(putNew(client, "r1"));
    const second = await failure(putNew(client, "r1"));
    expect(first).toBeInstanceOf(TablestoreError);
    expect([first.code, first.message, first.httpStatus, first.retryable]).toEqual([
      "OTSConditionCheckFail",
      "Condition check failed.",
      403,
      false,
    ]);
    expect(first.requestId).toMatch(/^[0-9a-f]{16}-/);
    expect(second.requestId).not.toBe(first.requestId);
  });

  it("maps a connection failure to NetworkingError without an HTTP status", async () => {
    const closed = await start({ port: 0 });
    await closed.close();
    const client = createTablestoreClient({
      endpoint: closed.url,
      instanceName: LOCAL_TABLESTORE_INSTANCE,
      credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
      retry: { maxRetries: 0 },
    });
    const err = await failure(client.listTable({}));
    expect([err.code, err.httpStatus, err.retryable]).toEqual(["NetworkingError", 0, true]);
  });

  it("also decodes what a stock client throws", async () => {
    const stock = stockClient(emulator);
    await putNew(stock, "r1");
    let raw: unknown;
    try {
      await putNew(stock, "r1");
    } catch (err) {
      raw = err;
    }
    // The SDK's own shape: HTTP status as the code, protobuf bytes in the message.
    expect((raw as { code: unknown }).code).toBe(403);
    const err = toTablestoreError(raw);
    expect([err.code, err.message, err.httpStatus]).toEqual([
      "OTSConditionCheckFail",
      "Condition check failed.",
      403,
    ]);
    expect(err.requestId).toMatch(/^[0-9a-f]{16}-/);
  });

  it("refuses the callback style, which would bypass the error mapping", () => {
    const client = adapterClient(emulator);
    expect(() => client.makeRequest("listTable", {}, () => {})).toThrow(TypeError);
  });
});

describe("isolation from other clients in the process", () => {
  it("changes no prototype, retry policy or http global agent, and a stock client still behaves as stock", async () => {
    const proto = TableStore.Client.prototype;
    const stockMethods = [proto.makeRequest, proto.extractError, proto.setupRequestListeners];
    const maxRetryTimes = TableStore.DefaultRetryPolicy.maxRetryTimes;
    const globalMaxSockets = http.globalAgent.maxSockets;
    // A value neither the SDK (300) nor Node (Infinity) would set, so any write to it shows.
    http.globalAgent.maxSockets = 17;
    try {
      const client = adapterClient(emulator);
      await putNew(client, "r1");
      await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r1" }] });
      expect([proto.makeRequest, proto.extractError, proto.setupRequestListeners]).toEqual(stockMethods);
      expect(TableStore.DefaultRetryPolicy.maxRetryTimes).toBe(maxRetryTimes);
      expect(http.globalAgent.maxSockets).toBe(17);

      const stock = stockClient(emulator);
      expect(stock.makeRequest).toBe(proto.makeRequest);
      const err: unknown = await putNew(stock, "r1").catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(TablestoreError);
      expect((err as { code: unknown }).code).toBe(403);
      // The canary: the stock SDK does touch the global agent, which the check above relies on.
      expect(http.globalAgent.maxSockets).toBe(300);
    } finally {
      http.globalAgent.maxSockets = globalMaxSockets;
    }
  });
});

describe("retry policy", () => {
  it.each([
    ["putRow", "OTSServerBusy", 503, "", true],
    ["updateRow", "OTSRowOperationConflict", 409, "", true],
    ["batchWriteRow", "OTSPartitionUnavailable", 503, "", true],
    ["updateRow", "OTSQuotaExhausted", 403, "Too frequent table operations.", true],
    ["updateRow", "OTSQuotaExhausted", 403, "Number of tables exceeded the quota.", false],
    ["putRow", "OTSTimeout", 503, "", false],
    ["putRow", "OTSInternalServerError", 500, "", false],
    ["deleteRow", "NetworkingError", 0, "", false],
    ["getRow", "OTSTimeout", 503, "", true],
    ["getRange", "NetworkingError", 0, "", true],
    ["batchGetRow", "OTSInternalServerError", 500, "", true],
    ["getRow", "OTSConditionCheckFail", 403, "", false],
    ["getRow", "OTSParameterInvalid", 400, "", false],
    ["putRow", "OTSAuthFailed", 403, "", false],
  ] as const)("%s after %s (%i) %s -> retry %s", (operation, code, status, message, expected) => {
    expect(shouldRetry(operation, new TablestoreError(code, message, status, ""))).toBe(expected);
  });

  it("retries a write the service refused as busy, up to maxRetries", async () => {
    emulator.control.setFaults({ serverBusyRate: 1 });
    const before = emulator.control.calls().PutRow;
    const err = await failure(putNew(adapterClient(emulator), "r1"));
    expect([err.code, err.httpStatus]).toEqual(["OTSServerBusy", 503]);
    expect(emulator.control.calls().PutRow - before).toBe(3);
  });

  it("lets the stock SDK keep its behaviour: a busy write is not retried", async () => {
    emulator.control.setFaults({ serverBusyRate: 1 });
    const before = emulator.control.calls().PutRow;
    const err: unknown = await putNew(stockClient(emulator), "r1").catch((e: unknown) => e);
    expect((err as { code: unknown }).code).toBe(503);
    expect(emulator.control.calls().PutRow - before).toBe(1);
  });

  it("succeeds once the service stops being busy", async () => {
    // Busy for the first two draws, then not.
    const draws = [0, 0];
    const flaky = await start({
      port: 0,
      faults: { serverBusyRate: 0.5 },
      random: () => draws.shift() ?? 0.9,
    });
    try {
      const client = adapterClient(flaky);
      // CreateTable meets both busy answers and is retried through them.
      await createRequestsTable(client);
      expect(flaky.control.calls().CreateTable).toBe(3);
      const callsBefore = flaky.control.calls().PutRow;
      await putRequest(client, "r1", { status: "pending" });
      expect(flaky.control.calls().PutRow - callsBefore).toBe(1);
      const { row } = await client.getRow({ tableName: REQUESTS_TABLE, primaryKey: [{ request_id: "r1" }] });
      expect(row.primaryKey?.[0]?.value).toBe("r1");
    } finally {
      await flaky.close();
    }
  });
});
