import { describe, expect, it } from "vitest";
import { isJsonContentType } from "../../../shared/http/json-body";

describe("isJsonContentType", () => {
  it.each([
    ["application/json", true],
    ["Application/JSON; charset=UTF-8", true],
    ['application/json; charset="utf-8"', true],
    ["application/merge-patch+json", true],
    ["application/json; charset=iso-8859-1", false],
    ["text/json", false],
    ["text/plain", false],
    ["", false],
    [undefined, false],
  ])("%j -> %s", (value, ok) => {
    expect(isJsonContentType(value)).toBe(ok);
  });
});
