import { describe, expect, it } from "vitest";
import { countMembers, isJsonContentType } from "../../../shared/http/json-body";

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

describe("countMembers", () => {
  const count = (text: string, stop = 1000) => countMembers(Buffer.from(text), stop);

  it.each([
    ["{}", 0],
    ['{"a":1}', 1],
    ['{"a":{"b":[{"c":1},{"d":"x"}]}}', 4],
    ['{"a:b":"c:d"}', 1],
    ['{"a\\":":1}', 1],
    ['{"a\\"b":":","c":1}', 2],
    ['["x:y", ":"]', 0],
    ['{"\u00e9\u4e2d":1,"\u{1f600}":2}', 2],
  ])("counts the members of %s as %d", (text, members) => {
    expect(count(text)).toBe(members);
  });

  it("stops one past the limit", () => {
    expect(count(`{${Array.from({ length: 50 }, (_, i) => `"k${i}":${i}`).join(",")}}`, 10)).toBe(11);
  });
});
