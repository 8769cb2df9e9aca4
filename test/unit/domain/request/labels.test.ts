import { describe, expect, it } from "vitest";
import { validateBatchRequest } from "../../../../shared/domain/request/batch";
import {
  hasLabels,
  LABEL_CODES,
  labelKeyFault,
  labelValueFault,
  MAX_LABELS,
  mergeLabels,
} from "../../../../shared/domain/request/labels";
import { PipelineRequestBodySchema } from "../../../../shared/domain/request/schema";
import { memberBound } from "../../../../shared/domain/request/unknown-keys";
import { validatePipelineRequest } from "../../../../shared/domain/request/validate";
import { REQUEST_MAX_MEMBERS } from "../../../../shared/http/routes";
import { IMAGE_REQUEST } from "./cases";

const tenKeys = Object.fromEntries(Array.from({ length: MAX_LABELS }, (_, i) => [`k${i}`, `v${i}`]));

describe("label rules", () => {
  it.each(["a", "ticket", "change/id", "team.name-2_x", `a${"b".repeat(63)}`, "constructor"])(
    "takes the key %s",
    (key) => expect(labelKeyFault(key)).toBeUndefined(),
  );
  it.each([
    ["empty", ""],
    ["65 characters", `a${"b".repeat(64)}`],
    ["an upper-case letter", "Ticket"],
    ["a leading digit", "1ticket"],
    ["a leading underscore", "_x"],
    ["a colon (acs:)", "acs:team"],
    ["a space", "a b"],
    ["the reserved aliyun prefix", "aliyun.owner"],
    ["a non-ASCII letter", "équipe"],
  ])("refuses a key with %s", (_name, key) => expect(labelKeyFault(key)).toMatch(/label key/));

  it.each(["", "CR-123", "a:b c", "镜像 🚀", "x".repeat(128), "🚀".repeat(128)])(
    "takes the value %s",
    (value) => expect(labelValueFault(value)).toBeUndefined(),
  );
  it.each([
    ["129 characters", "x".repeat(129)],
    ["a comma", "a,b"],
    ["a newline", "a\nb"],
    ["a NUL", "a\u0000"],
    ["a lone surrogate", "a\ud800"],
    ["a number", 5],
    ["null", null],
  ])("refuses a value with %s", (_name, value) => expect(labelValueFault(value)).toMatch(/label value/));

  it("merges a batch's labels under an item's, the item winning per key", () => {
    expect(mergeLabels({ a: "1", b: "2" }, { b: "3", c: "4" })).toEqual({ a: "1", b: "3", c: "4" });
    expect(mergeLabels(undefined, { a: "1" })).toEqual({ a: "1" });
    expect(mergeLabels({ a: "1" }, undefined)).toEqual({ a: "1" });
    expect(mergeLabels(undefined, undefined)).toBeUndefined();
  });

  it("matches a record that holds every wanted label, and never an inherited property", () => {
    expect(hasLabels({ a: "1", b: "2" }, { a: "1" })).toBe(true);
    expect(hasLabels({ a: "1", b: "2" }, { a: "1", b: "3" })).toBe(false);
    expect(hasLabels(undefined, { a: "1" })).toBe(false);
    expect(hasLabels({}, { constructor: "function Object() { [native code] }" })).toBe(false);
  });

  it("leaves room for a full label map within the body's member bound", () => {
    expect(memberBound(PipelineRequestBodySchema) + 1 + MAX_LABELS).toBeLessThanOrEqual(REQUEST_MAX_MEMBERS);
  });
});

describe("labels on a request", () => {
  it("returns them beside the request, which never holds them (so ECS never sees them)", () => {
    const result = validatePipelineRequest({ ...IMAGE_REQUEST, labels: { ticket: "CR-123" } });
    expect(result).toMatchObject({ ok: true, labels: { ticket: "CR-123" } });
    expect(result.ok && result.request).toEqual(IMAGE_REQUEST);
    expect(result.ok && "labels" in result.request).toBe(false);
  });

  it("keeps labels apart from the API's Tag parameter", () => {
    const tagged = { ...IMAGE_REQUEST, Tag: [{ Key: "team", Value: "web" }], labels: { team: "web" } };
    const result = validatePipelineRequest(tagged);
    expect(result.ok && result.request.Tag).toEqual([{ Key: "team", Value: "web" }]);
    expect(result.ok && result.labels).toEqual({ team: "web" });
  });

  it("treats an empty map as no labels", () => {
    const result = validatePipelineRequest({ ...IMAGE_REQUEST, labels: {} });
    expect(result.ok && "labels" in result).toBe(false);
  });

  it("reports every bad key and value with its pointer, beside the request's own violations", () => {
    const result = validatePipelineRequest({
      ...IMAGE_REQUEST,
      SystemDiskSize: 10,
      labels: { Bad: "x", "aliyun.x": "y", "ok/key": "a,b", fine: "z", "a/b": 7 },
    });
    expect(result.ok).toBe(false);
    const violations = result.ok ? [] : result.violations;
    expect(violations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: "#/labels/Bad", code: LABEL_CODES.key }),
        expect.objectContaining({ pointer: "#/labels/aliyun.x", code: LABEL_CODES.key }),
        expect.objectContaining({ pointer: "#/labels/ok~1key", code: LABEL_CODES.value }),
        expect.objectContaining({ pointer: "#/labels/a~1b", code: LABEL_CODES.value }),
        expect.objectContaining({ pointer: "#/SystemDiskSize" }),
      ]),
    );
    expect(violations.filter((v) => v.pointer.startsWith("#/labels"))).toHaveLength(4);
  });

  it.each([
    ["an array", ["a"]],
    ["a string", "ticket=CR-1"],
    ["null", null],
    [`${MAX_LABELS + 1} keys`, { ...tenKeys, extra: "x" }],
  ])("refuses labels that are %s at #/labels", (_name, labels) => {
    const result = validatePipelineRequest({ ...IMAGE_REQUEST, labels });
    expect(result.ok ? [] : result.violations).toEqual([
      expect.objectContaining({ pointer: "#/labels", code: LABEL_CODES.labels }),
    ]);
  });

  it(`takes ${MAX_LABELS} keys`, () => {
    expect(validatePipelineRequest({ ...IMAGE_REQUEST, labels: tenKeys })).toMatchObject({ ok: true });
  });
});

describe("labels on a batch", () => {
  it("gives every item the batch's labels under its own", () => {
    const result = validateBatchRequest({
      labels: { ticket: "CR-1", env: "prod" },
      items: [IMAGE_REQUEST, { ...IMAGE_REQUEST, labels: { env: "test", owner: "kim" } }],
    });
    expect(result).toMatchObject({
      ok: true,
      labels: [
        { ticket: "CR-1", env: "prod" },
        { ticket: "CR-1", env: "test", owner: "kim" },
      ],
    });
    expect(result.ok && result.items.every((item) => !("labels" in item))).toBe(true);
  });

  it("reports bad batch labels at #/labels and an item's at #/items/N/labels", () => {
    const result = validateBatchRequest({
      labels: { "Bad Key": "x" },
      items: [IMAGE_REQUEST, { ...IMAGE_REQUEST, labels: { ok: "a\u0007" } }],
    });
    expect(result.ok ? [] : result.violations.map((v) => [v.pointer, v.code])).toEqual([
      ["#/labels/Bad Key", LABEL_CODES.key],
      ["#/items/1/labels/ok", LABEL_CODES.value],
    ]);
  });

  it(`refuses an item whose labels and the batch's together pass ${MAX_LABELS} keys`, () => {
    const result = validateBatchRequest({
      labels: tenKeys,
      items: [
        { ...IMAGE_REQUEST, labels: { k0: "own" } },
        { ...IMAGE_REQUEST, labels: { more: "x" } },
      ],
    });
    expect(result.ok ? [] : result.violations).toEqual([
      expect.objectContaining({ pointer: "#/items/1/labels", code: LABEL_CODES.labels }),
    ]);
  });
});
