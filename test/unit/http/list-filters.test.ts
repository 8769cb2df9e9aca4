import { describe, expect, it } from "vitest";
import { parseRfc3339 } from "../../../shared/http/list-filters";
import { HttpProblem } from "../../../shared/http/problems";
import { BATCH_PARAMETERS, parseListQuery } from "../../../shared/http/status-operations";

/** The faults of a refused query, as [parameter, code] pairs. */
function faultsOf(query: Record<string, string>): [string, string][] {
  try {
    parseListQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    const problem = error as HttpProblem;
    expect(problem.code).toBe("InvalidQueryParameter");
    return (problem.extensions.errors as { parameter: string; code: string }[]).map((e) => [
      e.parameter,
      e.code,
    ]);
  }
  throw new Error(`the query was accepted: ${JSON.stringify(query)}`);
}

describe("GET /v1/pipelines filters", () => {
  it("reads every filter, combined", () => {
    expect(
      parseListQuery({
        status: "failed",
        batchId: "01JDBATCH00000000000000000",
        accountId: "1000000000000002",
        regionId: "cn-beijing",
        label: "ticket:CR-123,change/id:a:b",
        createdAfter: "2026-12-07T08:00:00+08:00",
        createdBefore: "2026-12-07T01:00:00.5Z",
      }),
    ).toEqual({
      limit: 20,
      status: "failed",
      batchId: "01JDBATCH00000000000000000",
      accountId: "1000000000000002",
      regionId: "cn-beijing",
      labels: { ticket: "CR-123", "change/id": "a:b" },
      createdAfter: "2026-12-07T00:00:00.000Z",
      createdBefore: "2026-12-07T01:00:00.500Z",
    });
  });

  it("takes an empty label value and a repeated identical pair", () => {
    expect(parseListQuery({ label: "ticket:,ticket:" }).labels).toEqual({ ticket: "" });
  });

  it.each<[string, Record<string, string>, [string, string][]]>([
    ["an account id that is not one", { accountId: "12ab" }, [["accountId", "InvalidParameter.accountId"]]],
    ["a region id that is not one", { regionId: "Hangzhou" }, [["regionId", "InvalidParameter.regionId"]]],
    ["a label without a colon", { label: "ticket" }, [["label", "InvalidParameter.label"]]],
    ["a label with a bad key", { label: "Ticket:x" }, [["label", "InvalidParameter.label"]]],
    ["a label key asked twice with two values", { label: "t:1,t:2" }, [["label", "InvalidParameter.label"]]],
    [
      "more than 10 labels",
      { label: Array.from({ length: 11 }, (_, i) => `k${i}:v`).join(",") },
      [["label", "InvalidParameter.label"]],
    ],
    [
      "a date without a time",
      { createdAfter: "2026-12-07" },
      [["createdAfter", "InvalidParameter.createdAfter"]],
    ],
    [
      "30 February",
      { createdAfter: "2026-02-30T00:00:00Z" },
      [["createdAfter", "InvalidParameter.createdAfter"]],
    ],
    [
      "a time without an offset",
      { createdBefore: "2026-12-07T00:00:00" },
      [["createdBefore", "InvalidParameter.createdBefore"]],
    ],
    [
      "a window that ends before it starts",
      { createdAfter: "2026-12-07T00:00:00Z", createdBefore: "2026-12-07T00:00:00Z" },
      [["createdBefore", "InvalidParameter.createdBefore"]],
    ],
    [
      "several faults at once",
      { status: "done", accountId: "x", label: "a", unknown: "1" },
      [
        ["unknown", "InvalidParameter.UnknownKey"],
        ["status", "InvalidParameter.status"],
        ["accountId", "InvalidParameter.accountId"],
        ["label", "InvalidParameter.label"],
      ],
    ],
  ])("refuses %s with the parameter named", (_name, query, faults) => {
    expect(faultsOf(query)).toEqual(faults);
  });

  it("keeps the batch route to its own parameters", () => {
    expect(() => parseListQuery({ label: "a:b" }, BATCH_PARAMETERS)).toThrow(HttpProblem);
  });
});

describe("parseRfc3339", () => {
  it.each([
    ["2026-12-07T00:00:00Z", "2026-12-07T00:00:00.000Z"],
    ["2026-12-07t00:00:00z", "2026-12-07T00:00:00.000Z"],
    ["2026-12-07T08:30:00+08:30", "2026-12-07T00:00:00.000Z"],
    ["2026-12-06T20:00:00-04:00", "2026-12-07T00:00:00.000Z"],
    ["2026-12-07T00:00:00.123456Z", "2026-12-07T00:00:00.123Z"],
    ["2024-02-29T23:59:59Z", "2024-02-29T23:59:59.000Z"],
  ])("reads %s", (text, iso) => expect(parseRfc3339(text)).toBe(iso));

  it.each([
    "2026-13-01T00:00:00Z",
    "2026-12-07T24:00:00Z",
    "2026-12-07T00:60:00Z",
    "2025-02-29T00:00:00Z",
    "2026-12-07 00:00:00Z",
    "2026-12-07T00:00:00+24:00",
    "yesterday",
    "",
  ])("refuses %s", (text) => expect(parseRfc3339(text)).toBeUndefined());
});
