import { describe, expect, it } from "vitest";
import { closingBracket, codeMask, codeMatches, withoutRanges } from "../../../scripts/build/js-scan";

/** The code characters of `source`, the rest as spaces. */
const codeOnly = (source: string): string => {
  const mask = codeMask(source);
  return [...source].map((c, i) => (mask[i] === 1 ? c : " ")).join("");
};

describe("js-scan", () => {
  it("does not count comments, strings, template text and regex literals as code", () => {
    const source = `a("}"); // }\n/* { */ b(\`x}\${c({})}y{\`); d = /[/}]{2}/g; e = f / 2 / g;`;
    const code = codeOnly(source);
    expect(code.replace(/\s+/g, " ")).toBe("a( ); b( c({}) ); d = ; e = f / 2 / g;");
  });

  it("finds the bracket that closes a block past braces in strings and templates", () => {
    const source = `x = function() { if (a) { s = "}"; t = \`\${ {}.b }}\`; } return /}/; }; after();`;
    const mask = codeMask(source);
    const open = source.indexOf("{");
    expect(source.slice(closingBracket(source, mask, open))).toBe("}; after();");
  });

  it("gives each code match its brace depth and skips matches in comments", () => {
    const source = "f = 1; { // f = 2\n  { f = 3; } }";
    const found = codeMatches(source, codeMask(source), /f = (\d)/g).map((m) => [m.match[1], m.depth]);
    expect(found).toEqual([
      ["1", 0],
      ["3", 2],
    ]);
  });

  it("cuts ranges out of a source", () => {
    expect(
      withoutRanges("0123456789", [
        [1, 3],
        [5, 6],
      ]),
    ).toBe("0346789");
  });
});
