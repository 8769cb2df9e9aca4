/** The chaos run's checks: a clean run passes, and each rule catches the break it names. */
import { describe, expect, it } from "vitest";
import { checkInvariants, type RunEvidence, type SeenRecord } from "../../../scripts/chaos/invariants";

const ok: SeenRecord = {
  id: "r1",
  status: "succeeded",
  accountId: "1000000000000002",
  regionId: "cn-hangzhou",
  clientToken: "t1",
  batchId: "b1",
  attempts: 2,
  imagePipelineId: "ip-1",
};
const failed: SeenRecord = {
  ...ok,
  id: "r2",
  status: "failed",
  clientToken: "t2",
  imagePipelineId: undefined,
};

function clean(): RunEvidence {
  return {
    accepted: ["r1", "r2"],
    records: new Map([
      ["r1", ok],
      ["r2", failed],
    ]),
    pipelines: [
      { imagePipelineId: "ip-1", accountId: ok.accountId, regionId: ok.regionId, clientToken: "t1" },
    ],
    batches: [
      { id: "b1", total: 2, counts: { pending: 0, running: 0, succeeded: 1, failed: 1, cancelled: 0 } },
    ],
    events: [
      { id: "r1", status: "succeeded", imagePipelineId: "ip-1" },
      { id: "r1", status: "succeeded", imagePipelineId: "ip-1" },
      { id: "r2", status: "failed" },
    ],
    serverErrors: [],
    refused: [],
  };
}

const rules = (evidence: RunEvidence) => checkInvariants(evidence).map((v) => v.rule);

describe("chaos invariants", () => {
  it("a clean run (duplicate events included) has no violation", () => {
    expect(checkInvariants(clean())).toEqual([]);
  });

  it.each<[string, (e: RunEvidence) => RunEvidence, string]>([
    [
      "a record still running",
      (e) => ({ ...e, records: new Map([...e.records, ["r2", { ...failed, status: "running" }]]) }),
      "accepted-record-terminal",
    ],
    [
      "a success with a second pipeline",
      (e) => ({ ...e, pipelines: [...e.pipelines, { ...e.pipelines[0]!, imagePipelineId: "ip-9" }] }),
      "succeeded-has-one-pipeline",
    ],
    [
      "a failure whose token holds a pipeline",
      (e) => ({
        ...e,
        pipelines: [
          ...e.pipelines,
          { imagePipelineId: "ip-2", accountId: ok.accountId, regionId: ok.regionId, clientToken: "t2" },
        ],
      }),
      "failed-has-no-pipeline",
    ],
    [
      "a pipeline no record asked for",
      (e) => ({
        ...e,
        pipelines: [...e.pipelines, { ...e.pipelines[0]!, imagePipelineId: "ip-x", clientToken: "tx" }],
      }),
      "pipeline-has-a-record",
    ],
    [
      "batch counts that disagree with the items",
      (e) => ({
        ...e,
        batches: [{ ...e.batches[0]!, counts: { ...e.batches[0]!.counts, failed: 0, pending: 1 } }],
      }),
      "batch-counts-match",
    ],
    [
      "a missing event",
      (e) => ({ ...e, events: e.events.filter((v) => v.id !== "r2") }),
      "event-for-every-terminal-record",
    ],
    [
      "an event for a state the record is not in",
      (e) => ({ ...e, events: [...e.events, { id: "r2", status: "succeeded" }] }),
      "no-event-without-its-state",
    ],
    ["a 5xx", (e) => ({ ...e, serverErrors: ["POST /v1/pipelines -> 503"] }), "no-5xx"],
  ])("%s", (_what, breakIt, rule) => {
    expect(rules(breakIt(clean()))).toContain(rule);
  });
});
