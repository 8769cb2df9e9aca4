import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validatePipelineRequest } from "../../../../shared/domain/request/validate";
import { CONTRACT_CASES, IMAGE_REQUEST, OSS_REQUEST } from "./cases";

describe("validatePipelineRequest", () => {
  const accepted = CONTRACT_CASES.filter((c) => c.code === null);
  const rejected = CONTRACT_CASES.filter((c) => c.code !== null);

  it.each(accepted)("$parameter: accepts $case", ({ body }) => {
    // Act
    const result = validatePipelineRequest(body);
    // Assess
    expect(result.ok ? [] : result.violations).toEqual([]);
  });

  it.each(rejected)("$parameter: rejects $case with $code", ({ parameter, body, code, pointer }) => {
    // Act
    const result = validatePipelineRequest(body);
    // Assess
    expect(result.ok).toBe(false);
    const violations = result.ok ? [] : result.violations;
    const expectedPointer = pointer ?? `#/${parameter.split(".")[0]}`;
    expect(violations).toContainEqual(expect.objectContaining({ code, pointer: expectedPointer }));
    for (const violation of violations) expect(violation.detail.length).toBeGreaterThan(10);
  });

  it("reports every violation of a request in one answer", () => {
    const result = validatePipelineRequest({
      ...IMAGE_REQUEST,
      Name: "1",
      SystemDiskSize: 10,
      Tag: [{ Key: "acs:x" }],
      Unknown: true,
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.violations.map((v) => v.pointer).sort()).toEqual(
      ["#/Name", "#/SystemDiskSize", "#/Tag/0/Key", "#/Unknown"].sort(),
    );
  });

  it("reports one violation per field, the first rule it breaks", () => {
    const result = validatePipelineRequest({ ...IMAGE_REQUEST, Name: "1" });
    expect(result.ok ? [] : result.violations).toHaveLength(1);
  });

  it("rejects a body that is not an object", () => {
    for (const body of [null, [], "x", 1]) {
      const result = validatePipelineRequest(body);
      expect(result.ok ? [] : result.violations).toEqual([
        expect.objectContaining({ pointer: "#", code: "InvalidParameter.Body" }),
      ]);
    }
  });

  it("escapes JSON Pointer segments of unknown keys (RFC 6901)", () => {
    const result = validatePipelineRequest({ ...IMAGE_REQUEST, "a/b~c": 1 });
    expect(result.ok ? [] : result.violations).toContainEqual(
      expect.objectContaining({ pointer: "#/a~1b~0c" }),
    );
  });

  describe("normalization", () => {
    it("maps the deprecated names onto ImageOptions and warns for each", () => {
      const result = validatePipelineRequest({
        ...IMAGE_REQUEST,
        ImageName: "web",
        ImageFamily: "web-family",
        NvmeSupport: "auto",
        ImageOptions: { Description: "Web tier" },
      });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.request).toEqual({
        ...IMAGE_REQUEST,
        ImageOptions: {
          Description: "Web tier",
          ImageName: "web",
          ImageFamily: "web-family",
          ImageFeatures: { NvmeSupport: "auto" },
        },
      });
      expect(result.warnings.map((w) => [w.pointer, w.code])).toEqual([
        ["#/ImageName", "DeprecatedParameter.ImageName"],
        ["#/ImageFamily", "DeprecatedParameter.ImageFamily"],
        ["#/NvmeSupport", "DeprecatedParameter.NvmeSupport"],
      ]);
    });

    it("keeps account ids as strings, whether sent as strings or safe integers", () => {
      const result = validatePipelineRequest({
        ...IMAGE_REQUEST,
        AccountId: 1000000000000002,
        AddAccount: [1234567890, "1000000000000003"],
      });
      expect(result.ok && result.request).toMatchObject({
        AccountId: "1000000000000002",
        AddAccount: ["1234567890", "1000000000000003"],
      });
    });

    it("returns a request without warnings when nothing deprecated was used", () => {
      const result = validatePipelineRequest(OSS_REQUEST);
      expect(result).toEqual({ ok: true, request: OSS_REQUEST, warnings: [] });
    });

    it("warns that a deprecated FROM in BuildContent is ignored", () => {
      const result = validatePipelineRequest({
        ...IMAGE_REQUEST,
        BuildContent: "FROM IMAGE:m-abc\nRUN true",
      });
      expect(result.ok && result.warnings).toContainEqual(
        expect.objectContaining({ pointer: "#/BuildContent", code: "DeprecatedCommand.FROM" }),
      );
    });

    it("warns when BuildContent downloads but the build instance has no internet access", () => {
      const result = validatePipelineRequest({
        ...IMAGE_REQUEST,
        BuildContent: "COPY https://example.com/app.tgz /opt/",
      });
      expect(result.ok && result.warnings).toContainEqual(
        expect.objectContaining({ code: "NoInternetAccess" }),
      );
      const withBandwidth = validatePipelineRequest({
        ...IMAGE_REQUEST,
        InternetMaxBandwidthOut: 10,
        BuildContent: "COPY https://example.com/app.tgz /opt/",
      });
      expect(withBandwidth.ok && withBandwidth.warnings).toEqual([]);
    });
  });

  it("never throws and always answers with pointers and codes, whatever the input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ RegionId: fc.jsonValue(), BaseImageType: fc.jsonValue(), Tag: fc.jsonValue() }),
        ),
        (input) => {
          const result = validatePipelineRequest(input);
          if (result.ok) return true;
          return (
            result.violations.length > 0 &&
            result.violations.every((v) => v.pointer.startsWith("#") && /^[A-Za-z.]+/.test(v.code))
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
