/**
 * Bodies built to hurt: keys valibot skips, millions of unknown keys or list entries, keys of any
 * length. Validation refuses them like any other fault and stops once it has found enough.
 */
import { describe, expect, it } from "vitest";
import { BATCH_ITEMS, validateBatchRequest } from "../../../../shared/domain/request/batch";
import { PipelineRequestBodySchema } from "../../../../shared/domain/request/schema";
import { memberBound } from "../../../../shared/domain/request/unknown-keys";
import { validatePipelineRequest } from "../../../../shared/domain/request/validate";
import {
  clipText,
  MAX_COUNTED_VIOLATIONS,
  MAX_DETAIL_BYTES,
  MAX_POINTER_BYTES,
} from "../../../../shared/domain/request/violation";
import { BATCH_MAX_MEMBERS, REQUEST_MAX_MEMBERS } from "../../../../shared/http/routes";
import { IMAGE_REQUEST, OSS_REQUEST } from "./cases";

const violationsOf = (result: {
  ok: boolean;
  violations?: { pointer: string; code: string; detail: string }[];
}) => (result.ok ? [] : (result.violations ?? []));

/** JSON.parse, as the HTTP layer does: `__proto__` becomes an own key, not the prototype. */
const parsed = (members: string): unknown =>
  JSON.parse(`${JSON.stringify(IMAGE_REQUEST).slice(0, -1)},${members}}`);

describe("keys valibot skips", () => {
  it.each(["__proto__", "constructor", "prototype"])("refuses %s wherever an object is closed", (key) => {
    const body = parsed(
      `"${key}":1,"ImageOptions":{"${key}":{}},"AdvancedOptions":{"${key}":null},"Tag":[{"Key":"k","${key}":"v"}]`,
    );
    expect(violationsOf(validatePipelineRequest(body))).toEqual([
      expect.objectContaining({ pointer: `#/${key}`, code: "InvalidParameter.UnknownKey" }),
      expect.objectContaining({ pointer: `#/ImageOptions/${key}`, code: "InvalidParameter.UnknownKey" }),
      expect.objectContaining({ pointer: `#/AdvancedOptions/${key}`, code: "InvalidParameter.UnknownKey" }),
      expect.objectContaining({ pointer: `#/Tag/0/${key}`, code: "InvalidParameter.UnknownKey" }),
    ]);
  });

  it("refuses them in an OSS request's disk mappings", () => {
    const body = JSON.parse(
      JSON.stringify(OSS_REQUEST).replace('"OSSBucket"', '"__proto__":{"polluted":true},"OSSBucket"'),
    );
    expect(violationsOf(validatePipelineRequest(body))).toContainEqual(
      expect.objectContaining({ pointer: "#/ImportImageOptions/DiskDeviceMappings/0/__proto__" }),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("still reports the field rules beside the unknown keys", () => {
    const body = parsed(`"constructor":1,"Name":"1"`);
    expect(violationsOf(validatePipelineRequest(body)).map((v) => v.pointer)).toEqual([
      "#/constructor",
      "#/Name",
    ]);
  });
});

describe("stopping early", () => {
  it("counts every violation up to the limit, then stops", () => {
    const extra = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));
    expect(violationsOf(validatePipelineRequest({ ...IMAGE_REQUEST, ...extra(999) }))).toHaveLength(999);
    expect(violationsOf(validatePipelineRequest({ ...IMAGE_REQUEST, ...extra(200_000) }))).toHaveLength(
      MAX_COUNTED_VIOLATIONS,
    );
  });

  it("stops across a batch's items: 500 items of 1,000 unknown keys give 1,000 violations from the first item", () => {
    const item = {
      ...IMAGE_REQUEST,
      ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])),
    };
    const violations = violationsOf(validateBatchRequest({ items: Array(500).fill(item) }));
    expect(violations).toHaveLength(MAX_COUNTED_VIOLATIONS);
    expect(violations.every((v) => v.pointer.startsWith("#/items/0/"))).toBe(true);
  });

  it.each([
    [
      "Tag",
      Array.from({ length: 100_000 }, (_, i) => ({ Key: "dup", Value: String(i), x: 1 })),
      "InvalidParameter.Tag",
    ],
    [
      "AddAccount",
      Array.from({ length: 100_000 }, () => "1234567890"),
      "InvalidAddAccountSize.ExceededMaxNumber",
    ],
    ["RepairItem", Array.from({ length: 100_000 }, () => "nope"), "InvalidParameter.RepairItem"],
  ])("refuses a list of 100,000 %s for its size alone, without reading its entries", (field, list, code) => {
    const body =
      field === "RepairItem"
        ? { ...IMAGE_REQUEST, RepairMode: "Customized", RepairItem: list }
        : { ...IMAGE_REQUEST, [field]: list };
    expect(violationsOf(validatePipelineRequest(body))).toEqual([
      expect.objectContaining({ pointer: `#/${field}`, code }),
    ]);
  });

  it("refuses a 16 MB BuildContent for its size alone", () => {
    const body = { ...IMAGE_REQUEST, BuildContent: `RUN ${"x".repeat(16 * 1024 * 1024)}` };
    expect(violationsOf(validatePipelineRequest(body))).toEqual([
      expect.objectContaining({ pointer: "#/BuildContent", code: "InvalidBuildContent.LengthExceeded" }),
    ]);
  });
});

describe("clipping", () => {
  it("bounds the pointer and the detail of a key of any length", () => {
    const key = "\u0001".repeat(1_000_000);
    const [violation] = violationsOf(validatePipelineRequest({ ...IMAGE_REQUEST, [key]: 1 }));
    expect(Buffer.byteLength(JSON.stringify(violation?.pointer)) - 2).toBeLessThanOrEqual(MAX_POINTER_BYTES);
    expect(Buffer.byteLength(JSON.stringify(violation?.detail)) - 2).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(violation?.pointer.startsWith("#/\u0001")).toBe(true);
  });

  it("keeps short texts and cuts at whole characters", () => {
    expect(clipText("#/Name", 160)).toBe("#/Name");
    const clipped = clipText("\u{1f600}".repeat(100), 21);
    expect(clipped).toBe(`${"\u{1f600}".repeat(4)}…`);
  });
});

describe("the member bound the HTTP layer counts before parsing", () => {
  it("is above what the schema allows a valid request, for a request and for a batch", () => {
    const bound = memberBound(PipelineRequestBodySchema);
    expect(bound).toBeGreaterThan(150);
    expect(REQUEST_MAX_MEMBERS).toBeGreaterThanOrEqual(bound);
    expect(BATCH_MAX_MEMBERS).toBeGreaterThanOrEqual(1 + BATCH_ITEMS.max * bound);
  });
});
