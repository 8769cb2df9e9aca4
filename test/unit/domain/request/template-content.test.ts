import { describe, expect, it } from "vitest";
import {
  lintTemplateContent,
  MAX_REPORTED_VIOLATIONS,
  MAX_TEMPLATE_COMMANDS,
  MAX_TEMPLATE_CONTENT_BYTES,
  TEMPLATE_CONTENT_CODES,
  type TemplateField,
} from "../../../../shared/domain/request/template-content";

const codesAndLines = (content: string, field: TemplateField = "BuildContent") =>
  lintTemplateContent(content, field).violations.map((violation) => [violation.code, violation.line]);

describe("lintTemplateContent: accepted templates", () => {
  it.each([
    ["RUN and RESTART (the SDK's own example)", "RUN echo hi\nRESTART"],
    ["COMPONENT by id", "COMPONENT ic-bp12dvdzvr9k9abcd"],
    [
      "COMPONENT by id with --name value parameters",
      'COMPONENT ic-abc123 --version 1.2 --message "hello world"',
    ],
    [
      "COMPONENT ARN with / before the version (doc examples)",
      "COMPONENT acs:ecs:cn-hangzhou:1868916118:imagecomponent/ComponentName/1.*.*",
    ],
    [
      "COMPONENT ARN with : before the version (doc syntax line)",
      "COMPONENT acs:ecs:cn-hangzhou:1868916118:imagecomponent/Name:1.0.2",
    ],
    [
      "COMPONENT ARN whose name has : and .",
      "COMPONENT acs:ecs:cn-beijing:123:imagecomponent/my:comp.v2/*.*.*",
    ],
    ["RUN spanning lines with \\ (S5 example)", "RUN echo hello;\\\necho world;"],
    ["ENV key value", "ENV JAVA_HOME /usr/lib/jvm/java 17"],
    ["ENV quoted pairs", 'ENV key1="value1" key2="value 2" EMPTY=""'],
    ["ENV quoted value with an escaped quote", 'ENV GREETING="say \\"hi\\""'],
    ["WORKDIR absolute path", "WORKDIR /usr/local"],
    ["WORKDIR relative path", "WORKDIR path1/path2"],
    ["COPY local source", "COPY /tmp/app.tar.gz /opt/app"],
    ["COPY URL without query string", "COPY https://example.com/files/app.tar.gz /opt/app"],
    ["USER name", "USER deploy"],
    ["LABEL pairs over two lines (S5 example)", 'LABEL user="username"\\\ndate="2020-11-11" key="value"'],
    ["CMD JSON form", 'CMD ["executable","param1","param2"]'],
    ["CMD shell form", "CMD command param1 param2"],
    ["ENTRYPOINT JSON form", 'ENTRYPOINT ["/bin/start", "--fast"]'],
    ["ENTRYPOINT shell form", "ENTRYPOINT /bin/start --fast"],
    ["FROM IMAGE first", "FROM IMAGE:m-bp67acfmxazb4p\nRUN true"],
    ["FROM IMAGE_FAMILY first", "FROM IMAGE_FAMILY:my-family\nRUN true"],
    [
      "comments, blank lines, CRLF and a final newline",
      "# setup\r\n\r\nRUN yum update -y\r\n  # done\r\nRESTART\r\n",
    ],
    ["trailing blanks after a continuation backslash", "RUN echo a \\  \n  && echo b"],
    ["tab between keyword and content", "RUN\techo tab"],
  ])("%s", (_name, content) => {
    expect(lintTemplateContent(content, "BuildContent").violations).toEqual([]);
  });

  it("TestContent takes COMPONENT lines (the API's TestContent example)", () => {
    const content =
      "COMPONENT ic-bp12dvdzvr9k9abc\nCOMPONENT acs:ecs:cn-hangzhou:1868916118:imagecomponent/ComponentName/1.*.*";
    expect(lintTemplateContent(content, "TestContent")).toEqual({ violations: [], warnings: [] });
  });
});

/** [case, content, code, line of the command]; every case yields exactly that one violation. */
const REJECTED: ReadonlyArray<readonly [string, string, string, number | undefined]> = [
  ["unknown command ADD", "RUN a\nADD x /y", "InvalidImageTemplateCommand.NotSupported", 2],
  ["lower-case run", "run echo hi", "InvalidImageTemplateCommand.NotSupported", 1],
  ["YAML component text", "Tasks:\n", "InvalidImageTemplateCommand.NotSupported", 1],
  ["RESTART with content", "RESTART now", "NotEmptyCommandContent.RESTART", 1],
  ["RUN empty", "RUN", "EmptyCommandContent.RUN", 1],
  ["RUN with a control character", "RUN echo \u0000", "InvalidCommandContent.RUN", 1],
  ["ENV empty", "ENV   ", "EmptyCommandContent.ENV", 1],
  ["ENV key without value", "ENV JAVA_HOME", "InvalidCommandContent.ENV", 1],
  ["ENV unquoted pair value", "ENV A=1", "InvalidCommandContent.ENV", 1],
  ["ENV second pair unquoted", 'ENV A="1" B=2', "InvalidCommandContent.ENV", 1],
  ["ENV unclosed quote", 'ENV A="1', "InvalidCommandContent.ENV", 1],
  ["ENV pair then bare word", 'ENV A="1" B', "InvalidCommandContent.ENV", 1],
  ["ENV invalid variable name", "ENV 1ABC value", "InvalidCommandContent.ENV", 1],
  ["WORKDIR empty", "WORKDIR", "EmptyCommandContent.WORKDIR", 1],
  ["WORKDIR two paths", "WORKDIR /a /b", "InvalidCommandContent.WORKDIR", 1],
  ["COPY empty", "COPY", "EmptyCommandContent.COPY", 1],
  ["COPY one argument", "COPY /a", "InvalidCommandContent.COPY", 1],
  ["COPY three arguments", "COPY /a /b /c", "InvalidCommandContent.COPY", 1],
  [
    "COPY URL with query string",
    "COPY https://example.com/a.tgz?sig=x /opt",
    "InvalidCommandContent.COPY",
    1,
  ],
  ["COPY oss:// URL", "COPY oss://bucket/a.tgz /opt", "InvalidCommandContent.COPY", 1],
  ["COPY URL without host", "COPY https:///a.tgz /opt", "InvalidCommandContent.COPY", 1],
  ["COPY to a URL", "COPY /a https://example.com/", "InvalidCommandContent.COPY", 1],
  ["USER empty", "USER", "EmptyCommandContent.USER", 1],
  ["USER two names", "USER root admin", "InvalidCommandContent.USER", 1],
  ["USER invalid name", "USER ro/ot", "InvalidCommandContent.USER", 1],
  ["LABEL empty", "LABEL", "EmptyCommandContent.LABEL", 1],
  ["LABEL unquoted value", "LABEL user=name", "InvalidParameter.BuildContent", 1],
  ["LABEL bare word", "LABEL maintainer", "InvalidParameter.BuildContent", 1],
  ["CMD empty", "CMD", "EmptyCommandContent.CMD", 1],
  ["CMD broken JSON", 'CMD ["a", ', "InvalidCommandContent.CMD", 1],
  ["CMD JSON with a number", "CMD [1]", "InvalidCommandContent.CMD", 1],
  ["ENTRYPOINT empty", "ENTRYPOINT", "EmptyCommandContent.ENTRYPOINT", 1],
  ["ENTRYPOINT empty JSON array", "ENTRYPOINT []", "InvalidCommandContent.ENTRYPOINT", 1],
  ["FROM second", "FROM IMAGE:m-1\nFROM IMAGE:m-2", "DuplicatedCommand.FROM", 2],
  ["FROM not first", "RUN a\nFROM IMAGE:m-1", "InvalidCommandOrder.FROM", 2],
  ["FROM OSS source", "FROM OSS:bucket/object", "InvalidCommandContent.FROM", 1],
  ["FROM without type", "FROM m-bp67acfmxazb4p", "InvalidCommandContent.FROM", 1],
  ["FROM empty", "FROM", "InvalidCommandContent.FROM", 1],
  ["COMPONENT empty", "COMPONENT", "InvalidParameter.BuildContent", 1],
  ["COMPONENT name only", "COMPONENT my-component", "InvalidImageComponent.NotSupported", 1],
  ["COMPONENT upper-case id", "COMPONENT ic-ABC", "InvalidImageComponent.NotSupported", 1],
  [
    "COMPONENT ARN without version",
    "COMPONENT acs:ecs:cn-hangzhou:123:imagecomponent/Name",
    "InvalidImageComponent.NotSupported",
    1,
  ],
  [
    "COMPONENT ARN with a bad version",
    "COMPONENT acs:ecs:cn-hangzhou:123:imagecomponent/Name/1.x.0",
    "InvalidImageComponent.NotSupported",
    1,
  ],
  [
    "COMPONENT ARN of another service",
    "COMPONENT acs:oss:cn-hangzhou:123:imagecomponent/Name/1.0.0",
    "InvalidImageComponent.NotSupported",
    1,
  ],
  ["COMPONENT parameter without value", "COMPONENT ic-abc --name", "InvalidParameter.BuildContent", 1],
  ["COMPONENT value without parameter name", "COMPONENT ic-abc value", "InvalidParameter.BuildContent", 1],
  ["COMPONENT parameter twice", "COMPONENT ic-abc --a 1 --a 2", "InvalidParameter.BuildContent", 1],
  ["COMPONENT with a control character", "COMPONENT ic-abc\u0007", "InvalidImageComponent.NotSupported", 1],
  ["continuation at the very end", "RUN a\nRUN b \\", "InvalidParameter.BuildContent", 2],
  ["continuation followed only by blank lines", "RUN b \\\n\n  \n", "InvalidParameter.BuildContent", 1],
  ["empty content", "", "InvalidParameter.BuildContent", undefined],
  ["comments only", "# nothing here\n\n", "InvalidParameter.BuildContent", undefined],
];

describe("lintTemplateContent: rejected templates", () => {
  it.each(REJECTED)("%s -> %s", (_name, content, code, line) => {
    expect(codesAndLines(content)).toEqual([[code, line]]);
  });

  it("the rejection table covers every code the linter declares", () => {
    const produced = new Set(REJECTED.map(([, , code]) => code));
    produced.add("InvalidBuildContent.LengthExceeded");
    produced.add("InvalidImageTemplateCommandSize.ExceededMaxNumber");
    produced.add("InvalidParameter.TestContent");
    expect([...produced].sort()).toEqual([...TEMPLATE_CONTENT_CODES].sort());
  });

  it.each([
    "InvalidBuildContent.LengthExceeded",
    "InvalidImageTemplateCommandSize.ExceededMaxNumber",
    "DuplicatedCommand.FROM",
    "InvalidCommandOrder.FROM",
    "InvalidImageTemplateCommand.NotSupported",
    ...["RUN", "ENV", "WORKDIR", "COPY", "USER", "FROM", "CMD", "ENTRYPOINT"].map(
      (c) => `InvalidCommandContent.${c}`,
    ),
    ...["LABEL", "ENV", "ENTRYPOINT", "CMD", "COPY", "WORKDIR", "USER", "RUN"].map(
      (c) => `EmptyCommandContent.${c}`,
    ),
    "NotEmptyCommandContent.RESTART",
    "InvalidParameter.BuildContent",
    "InvalidParameter.TestContent",
    "InvalidImageComponent.NotSupported",
  ])("declares the seed's template code %s", (code) => {
    expect(TEMPLATE_CONTENT_CODES.has(code)).toBe(true);
  });

  it("reports every fault, not only the first", () => {
    expect(codesAndLines("ADD x\nRUN\nRESTART now")).toEqual([
      ["InvalidImageTemplateCommand.NotSupported", 1],
      ["EmptyCommandContent.RUN", 2],
      ["NotEmptyCommandContent.RESTART", 3],
    ]);
  });

  it("names the field, the line and the command in the detail", () => {
    const [violation] = lintTemplateContent("RUN a\n\nENV A=1", "TestContent").violations;
    expect(violation?.detail).toMatch(/^TestContent line 3: ENV .*double quotes/);
  });

  it("uses InvalidParameter.TestContent for TestContent faults that have no own code", () => {
    expect(codesAndLines("LABEL a=b\nCOMPONENT ic-abc --x", "TestContent")).toEqual([
      ["InvalidParameter.TestContent", 1],
      ["InvalidParameter.TestContent", 2],
    ]);
  });

  it("tells a lower-case command how to write it", () => {
    expect(lintTemplateContent("Copy /a /b", "BuildContent").violations[0]?.detail).toContain("COPY");
  });
});

describe("lintTemplateContent: size, count and continuation limits", () => {
  const runOfBytes = (bytes: number, filler = "a") =>
    `RUN ${filler.repeat((bytes - 4) / new TextEncoder().encode(filler).length)}`;

  it(`accepts exactly ${MAX_TEMPLATE_CONTENT_BYTES} bytes (16 KB)`, () => {
    expect(codesAndLines(runOfBytes(MAX_TEMPLATE_CONTENT_BYTES))).toEqual([]);
  });

  it("InvalidBuildContent.LengthExceeded one byte over 16 KB", () => {
    expect(codesAndLines(runOfBytes(MAX_TEMPLATE_CONTENT_BYTES + 1))).toEqual([
      ["InvalidBuildContent.LengthExceeded", undefined],
    ]);
  });

  it("counts UTF-8 bytes, not characters (2-byte é)", () => {
    const content = runOfBytes(MAX_TEMPLATE_CONTENT_BYTES + 2, "é");
    expect(content.length).toBeLessThan(MAX_TEMPLATE_CONTENT_BYTES);
    expect(codesAndLines(content)).toEqual([["InvalidBuildContent.LengthExceeded", undefined]]);
  });

  it("InvalidParameter.TestContent for TestContent over 16 KB (the seed has no TestContent length code)", () => {
    expect(codesAndLines(runOfBytes(MAX_TEMPLATE_CONTENT_BYTES + 1), "TestContent")).toEqual([
      ["InvalidParameter.TestContent", undefined],
    ]);
  });

  it(`accepts ${MAX_TEMPLATE_COMMANDS} commands`, () => {
    expect(codesAndLines(Array(MAX_TEMPLATE_COMMANDS).fill("RUN true").join("\n"))).toEqual([]);
  });

  it("InvalidImageTemplateCommandSize.ExceededMaxNumber at command 128, on that command's line", () => {
    const content = `# header\n${Array(MAX_TEMPLATE_COMMANDS + 3)
      .fill("RUN true")
      .join("\n")}`;
    expect(codesAndLines(content)).toEqual([["InvalidImageTemplateCommandSize.ExceededMaxNumber", 129]]);
  });

  it("counts a multi-line command once", () => {
    const content = Array(MAX_TEMPLATE_COMMANDS).fill("RUN echo a;\\\necho b").join("\n");
    expect(codesAndLines(content)).toEqual([]);
  });

  it("gives a continued command the line of its first physical line", () => {
    expect(codesAndLines('RUN a\nENV A="1" \\\n  B=2\nRUN c')).toEqual([["InvalidCommandContent.ENV", 2]]);
  });

  it(`caps the report at ${MAX_REPORTED_VIOLATIONS} entries and says how many were left out`, () => {
    const { violations } = lintTemplateContent(Array(200).fill("ADD x").join("\n"), "BuildContent");
    expect(violations).toHaveLength(MAX_REPORTED_VIOLATIONS);
    expect(violations.at(-1)?.code).toBe("InvalidParameter.BuildContent");
    // 200 unsupported commands + 1 count violation, of which 49 are listed.
    expect(violations.at(-1)?.detail).toContain("152 more problems");
  });
});

describe("lintTemplateContent: FROM is deprecated", () => {
  it("warns DeprecatedCommand.FROM once for a valid FROM and reports no violation", () => {
    const { violations, warnings } = lintTemplateContent("FROM IMAGE:m-abc\nRUN true", "BuildContent");
    expect(violations).toEqual([]);
    expect(warnings.map((w) => [w.code, w.line])).toEqual([["DeprecatedCommand.FROM", 1]]);
    expect(warnings[0]?.detail).toContain("BaseImage");
  });

  it("does not warn when there is no FROM", () => {
    expect(lintTemplateContent("RUN true", "BuildContent").warnings).toEqual([]);
  });

  it("warns at most once however many FROM lines there are", () => {
    const { warnings } = lintTemplateContent("FROM IMAGE:a\nFROM IMAGE:b\nFROM IMAGE:c", "BuildContent");
    expect(warnings).toHaveLength(1);
  });
});
