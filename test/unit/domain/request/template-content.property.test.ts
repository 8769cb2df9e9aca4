import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  lintTemplateContent,
  MAX_REPORTED_VIOLATIONS,
  TEMPLATE_CONTENT_CODES,
  TEMPLATE_CONTENT_WARNING_CODES,
  type TemplateField,
} from "../../../../shared/domain/request/template-content";

const field = fc.constantFrom<TemplateField>("BuildContent", "TestContent");

/** Text shaped like a template, so the per-command rules run, not only the unknown-command path. */
const templateLike = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        "COMPONENT",
        "RESTART",
        "RUN",
        "ENV",
        "WORKDIR",
        "COPY",
        "USER",
        "LABEL",
        "CMD",
        "ENTRYPOINT",
        "FROM",
        "run",
        "#",
        "",
        "ADD",
      ),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(
          'A="1" B="2"',
          "A=1",
          "ic-abc --x 1",
          "acs:ecs:cn-hangzhou:1:imagecomponent/n/1.*.*",
          "IMAGE:m-1",
          '["a"]',
          "[",
          "https://h/x?q /d",
          "\\",
        ),
      ),
      fc.constantFrom("\n", "\r\n", " \\\n", "\\\n", "\n\n"),
    ),
    { maxLength: 40 },
  )
  .map((lines) => lines.map(([keyword, args, end]) => `${keyword} ${args}${end}`).join(""));

const anyContent = fc.oneof(fc.string({ unit: "binary", maxLength: 2000 }), templateLike);

describe("lintTemplateContent on arbitrary text", () => {
  it("never throws, and reports only declared codes on real lines", () => {
    fc.assert(
      fc.property(anyContent, field, (content, target) => {
        const { violations, warnings } = lintTemplateContent(content, target);
        const physicalLines = content.split("\n").length;
        expect(violations.length).toBeLessThanOrEqual(MAX_REPORTED_VIOLATIONS);
        for (const violation of violations) {
          expect(TEMPLATE_CONTENT_CODES.has(violation.code)).toBe(true);
          expect(violation.detail.startsWith(target)).toBe(true);
          if (violation.line !== undefined) {
            expect(
              Number.isInteger(violation.line) && violation.line >= 1 && violation.line <= physicalLines,
            ).toBe(true);
          }
        }
        for (const warning of warnings) expect(TEMPLATE_CONTENT_WARNING_CODES.has(warning.code)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("a comment line put in front changes no code and moves every line down by one", () => {
    fc.assert(
      fc.property(anyContent, field, (content, target) => {
        const plain = lintTemplateContent(content, target).violations;
        const commented = lintTemplateContent(`# note\n${content}`, target).violations;
        expect(commented.map((v) => [v.code, v.line])).toEqual(
          plain.map((v) => [v.code, v.line === undefined ? undefined : v.line + 1]),
        );
      }),
      { numRuns: 200 },
    );
  });
});
