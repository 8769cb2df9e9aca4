import { describe, expect, it } from "vitest";
import { BATCH_ITEMS, validateBatchRequest } from "../../../../shared/domain/request/batch";
import { IMAGE_REQUEST, OSS_REQUEST } from "./cases";

describe("validateBatchRequest", () => {
  it("accepts 1 and 500 items and returns them normalized, in order", () => {
    const one = validateBatchRequest({ items: [IMAGE_REQUEST] });
    expect(one).toEqual({ ok: true, items: [IMAGE_REQUEST], labels: [undefined], warnings: [] });
    const full = validateBatchRequest({
      items: Array.from({ length: BATCH_ITEMS.max }, (_, i) => (i % 2 ? IMAGE_REQUEST : OSS_REQUEST)),
    });
    expect(full.ok && full.items).toHaveLength(500);
    expect(full.ok && full.items[1]).toEqual(IMAGE_REQUEST);
  });

  it.each([
    ["no items key", {}, "#/items", "MissingParameter.items"],
    ["items not an array", { items: {} }, "#/items", "InvalidParameter.items"],
    ["0 items", { items: [] }, "#/items", "InvalidParameter.items"],
    [
      "501 items",
      { items: Array.from({ length: 501 }, () => IMAGE_REQUEST) },
      "#/items",
      "InvalidParameter.items",
    ],
    [
      "an unknown envelope key",
      { items: [IMAGE_REQUEST], dryRun: true },
      "#/dryRun",
      "InvalidParameter.UnknownKey",
    ],
    ["a body that is an array", [IMAGE_REQUEST], "#", "InvalidParameter.Body"],
  ])("rejects %s", (_name, body, pointer, code) => {
    const result = validateBatchRequest(body);
    expect(result.ok ? [] : result.violations).toContainEqual(expect.objectContaining({ pointer, code }));
  });

  it("rejects the whole batch for one bad item, with pointers into every bad item", () => {
    const items = [
      IMAGE_REQUEST,
      { ...IMAGE_REQUEST, Name: "1x" },
      IMAGE_REQUEST,
      { ...IMAGE_REQUEST, Tag: [{ Key: "acs:k" }], SystemDiskSize: 5 },
    ];
    const result = validateBatchRequest({ items });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.violations.map((v) => [v.pointer, v.code])).toEqual([
      ["#/items/1/Name", "InvalidName.Malformed"],
      ["#/items/3/Tag/0/Key", "InvalidTagKey.Malformed"],
      ["#/items/3/SystemDiskSize", "InvalidSystemDiskSize.NotSupportedValue"],
    ]);
  });

  it("keeps each item's warnings with the item's pointer", () => {
    const result = validateBatchRequest({ items: [IMAGE_REQUEST, { ...IMAGE_REQUEST, ImageName: "web" }] });
    expect(result.ok && result.warnings).toEqual([
      expect.objectContaining({ pointer: "#/items/1/ImageName", code: "DeprecatedParameter.ImageName" }),
    ]);
  });
});
