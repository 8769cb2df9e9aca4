/**
 * The contract's table of cases: for every constraint at least one accepted and one rejected
 * request, named by parameter and code. validate.test.ts runs them; the seed test uses the
 * rejected rows to prove each "validator" code of the seed's table is really produced.
 */

/** Minimal valid requests to patch: one per kind of base image. */
export const IMAGE_REQUEST = {
  RegionId: "cn-hangzhou",
  BaseImageType: "IMAGE",
  BaseImage: "m-bp67acfmxazb4p",
} as const;
export const OSS_REQUEST = {
  RegionId: "cn-hangzhou",
  BaseImageType: "OSS",
  ImportImageOptions: { DiskDeviceMappings: [{ OSSBucket: "ecsimageos", OSSObject: "CentOS_7.raw" }] },
} as const;

export interface ContractCase {
  parameter: string;
  case: string;
  body: Record<string, unknown>;
  /** The code expected, or `null` when the request must be accepted. */
  code: string | null;
  /** The pointer of the violation, when it is not `#/<parameter>`. */
  pointer?: string;
}

const image = (patch: Record<string, unknown>): Record<string, unknown> => ({ ...IMAGE_REQUEST, ...patch });
const oss = (
  importOptions: Record<string, unknown>,
  patch: Record<string, unknown> = {},
): Record<string, unknown> => ({
  ...OSS_REQUEST,
  ImportImageOptions: { ...OSS_REQUEST.ImportImageOptions, ...importOptions },
  ...patch,
});
const disk = (mapping: Record<string, unknown>): Record<string, unknown> =>
  oss({ DiskDeviceMappings: [{ OSSBucket: "ecsimageos", OSSObject: "CentOS_7.raw", ...mapping }] });
const withoutKey = (body: Record<string, unknown>, key: string): Record<string, unknown> => {
  const { [key]: _dropped, ...rest } = body;
  return rest;
};
const repeat = (n: number, make: (i: number) => unknown): unknown[] =>
  Array.from({ length: n }, (_, i) => make(i));
const tags = (n: number): unknown[] => repeat(n, (i) => ({ Key: `key${i}`, Value: `value${i}` }));

const ok = (parameter: string, name: string, body: Record<string, unknown>): ContractCase => ({
  parameter,
  case: name,
  body,
  code: null,
});
const bad = (
  parameter: string,
  name: string,
  body: Record<string, unknown>,
  code: string,
  pointer?: string,
): ContractCase => ({
  parameter,
  case: name,
  body,
  code,
  ...(pointer ? { pointer } : {}),
});

export const CONTRACT_CASES: ContractCase[] = [
  // RegionId: required, a region id.
  ok("RegionId", "a region id", image({ RegionId: "ap-southeast-1" })),
  bad("RegionId", "absent", withoutKey(image({}), "RegionId"), "MissingParameter.RegionId"),
  bad("RegionId", "not a region id", image({ RegionId: "Hangzhou 1" }), "InvalidParameter.RegionId"),
  bad("RegionId", "a number", image({ RegionId: 1 }), "InvalidParameter.RegionId"),

  // BaseImageType / BaseImage
  ok(
    "BaseImageType",
    "IMAGE_FAMILY with a family name",
    image({ BaseImageType: "IMAGE_FAMILY", BaseImage: "acs:ubuntu_22_04_x64" }),
  ),
  bad("BaseImageType", "absent", withoutKey(image({}), "BaseImageType"), "MissingParameter.BaseImageType"),
  bad(
    "BaseImageType",
    "not in the enumeration",
    image({ BaseImageType: "DOCKER" }),
    "InvalidBaseImageType.NotSupportedValue",
  ),
  bad(
    "BaseImageType",
    "lower case",
    image({ BaseImageType: "image" }),
    "InvalidBaseImageType.NotSupportedValue",
  ),
  bad("BaseImage", "absent with IMAGE", withoutKey(image({}), "BaseImage"), "MissingParameter.BaseImage"),
  bad("BaseImage", "with spaces", image({ BaseImage: "m-bp67 acf" }), "InvalidParameter.BaseImage"),
  bad("BaseImage", "given with OSS", oss({}, { BaseImage: "m-bp67acf" }), "InvalidParameterCombination"),

  // Name: 2-128, starts with a letter or Chinese character, limited characters, no http(s)://.
  ok("Name", "letters, digits and : _ . -", image({ Name: "team-a:web_1.0" })),
  ok("Name", "starts with a Chinese character", image({ Name: "镜像模板-1" })),
  ok("Name", "128 characters", image({ Name: `a${"b".repeat(127)}` })),
  bad("Name", "1 character", image({ Name: "a" }), "InvalidName.Malformed"),
  bad("Name", "129 characters", image({ Name: `a${"b".repeat(128)}` }), "InvalidName.Malformed"),
  bad("Name", "starts with a digit", image({ Name: "1pipeline" }), "InvalidName.Malformed"),
  bad("Name", "starts with http://", image({ Name: "http://pipeline" }), "InvalidName.Malformed"),
  bad("Name", "contains a space", image({ Name: "my pipeline" }), "InvalidName.Malformed"),

  // Description: 2-256, no http(s):// prefix.
  ok("Description", "a sentence", image({ Description: "Builds the web tier image." })),
  bad("Description", "1 character", image({ Description: "x" }), "InvalidDescription.Malformed"),
  bad(
    "Description",
    "257 characters",
    image({ Description: "d".repeat(257) }),
    "InvalidDescription.Malformed",
  ),
  bad(
    "Description",
    "starts with https://",
    image({ Description: "https://example.com/doc" }),
    "InvalidDescription.Malformed",
  ),

  // Tag.N: at most 20; key 1-128, no aliyun/acs: prefix, no URL; value 0-128, no acs: prefix, no URL; unique keys.
  ok("Tag", "20 tags, one with an empty value", image({ Tag: [...tags(19), { Key: "empty", Value: "" }] })),
  bad("Tag", "21 tags", image({ Tag: tags(21) }), "InvalidParameter.Tag"),
  bad("Tag.Key", "absent", image({ Tag: [{ Value: "v" }] }), "InvalidTagKey.Malformed", "#/Tag/0/Key"),
  bad("Tag.Key", "empty", image({ Tag: [{ Key: "" }] }), "InvalidTagKey.Malformed", "#/Tag/0/Key"),
  bad(
    "Tag.Key",
    "starts with aliyun",
    image({ Tag: [{ Key: "aliyun-team" }] }),
    "InvalidTagKey.Malformed",
    "#/Tag/0/Key",
  ),
  bad(
    "Tag.Key",
    "starts with acs:",
    image({ Tag: [{ Key: "acs:team" }] }),
    "InvalidTagKey.Malformed",
    "#/Tag/0/Key",
  ),
  bad(
    "Tag.Key",
    "contains https://",
    image({ Tag: [{ Key: "see-https://x" }] }),
    "InvalidTagKey.Malformed",
    "#/Tag/0/Key",
  ),
  bad(
    "Tag.Key",
    "129 characters",
    image({ Tag: [{ Key: "k".repeat(129) }] }),
    "InvalidTagKey.Malformed",
    "#/Tag/0/Key",
  ),
  bad(
    "Tag.Key",
    "repeated",
    image({ Tag: [{ Key: "team" }, { Key: "team" }] }),
    "Duplicate.TagKey",
    "#/Tag/1/Key",
  ),
  ok("Tag.Value", "128 characters", image({ Tag: [{ Key: "k", Value: "v".repeat(128) }] })),
  bad(
    "Tag.Value",
    "129 characters",
    image({ Tag: [{ Key: "k", Value: "v".repeat(129) }] }),
    "InvalidTagValue.Malformed",
    "#/Tag/0/Value",
  ),
  bad(
    "Tag.Value",
    "starts with acs:",
    image({ Tag: [{ Key: "k", Value: "acs:x" }] }),
    "InvalidTagValue.Malformed",
    "#/Tag/0/Value",
  ),
  bad(
    "Tag.Value",
    "contains http://",
    image({ Tag: [{ Key: "k", Value: "at http://x" }] }),
    "InvalidTagValue.Malformed",
    "#/Tag/0/Value",
  ),
  bad(
    "Tag",
    "unknown key in a tag",
    image({ Tag: [{ Key: "k", value: "v" }] }),
    "InvalidParameter.UnknownKey",
    "#/Tag/0/value",
  ),

  // AddAccount.N: at most 20 account ids, kept as strings.
  ok(
    "AddAccount",
    "20 ids as strings and safe integers",
    image({ AddAccount: [...repeat(19, (i) => String(1234567890123400 + i)), 1234567890] }),
  ),
  bad(
    "AddAccount",
    "21 ids",
    image({ AddAccount: repeat(21, (i) => String(1234567890123400 + i)) }),
    "InvalidAddAccountSize.ExceededMaxNumber",
  ),
  bad(
    "AddAccount",
    "not digits",
    image({ AddAccount: ["12345abc"] }),
    "InvalidParameter.AddAccount",
    "#/AddAccount/0",
  ),
  bad(
    "AddAccount",
    "an unsafe integer",
    image({ AddAccount: [Number.MAX_SAFE_INTEGER + 2] }),
    "InvalidParameter.AddAccount",
    "#/AddAccount/0",
  ),
  bad(
    "AddAccount",
    "repeated",
    image({ AddAccount: ["1234567890", "1234567890"] }),
    "InvalidParameter.AddAccount",
    "#/AddAccount/1",
  ),

  // ToRegionId.N: at most 20 regions.
  ok("ToRegionId", "20 regions", image({ ToRegionId: repeat(20, (i) => `cn-region${i}`) })),
  bad(
    "ToRegionId",
    "21 regions",
    image({ ToRegionId: repeat(21, (i) => `cn-region${i}`) }),
    "InvalidToRegionIdSize.ExceededMaxNumber",
  ),
  bad(
    "ToRegionId",
    "not a region id",
    image({ ToRegionId: ["Beijing"] }),
    "InvalidParameter.ToRegionId",
    "#/ToRegionId/0",
  ),
  bad(
    "ToRegionId",
    "repeated",
    image({ ToRegionId: ["cn-beijing", "cn-beijing"] }),
    "InvalidParameter.ToRegionId",
    "#/ToRegionId/1",
  ),

  // ResourceGroupId, VSwitchId, InstanceType: their id forms.
  ok("ResourceGroupId", "an rg- id", image({ ResourceGroupId: "rg-bp67acfmxazb4p" })),
  bad(
    "ResourceGroupId",
    "another prefix",
    image({ ResourceGroupId: "group-1" }),
    "InvalidParameter.ResourceGroupId",
  ),
  ok("VSwitchId", "a vsw- id", image({ VSwitchId: "vsw-bp67acfmxazb4p" })),
  bad("VSwitchId", "a VPC id", image({ VSwitchId: "vpc-bp67acfmxazb4p" }), "InvalidParameter.VSwitchId"),
  ok("InstanceType", "ecs.g6.large", image({ InstanceType: "ecs.g6.large" })),
  bad(
    "InstanceType",
    "without the ecs. prefix",
    image({ InstanceType: "g6.large" }),
    "InvalidParameter.InstanceType",
  ),

  // SystemDiskSize 20-500, InternetMaxBandwidthOut 0-100, DeleteInstanceOnFailure boolean.
  ok("SystemDiskSize", "20 GiB", image({ SystemDiskSize: 20 })),
  ok("SystemDiskSize", "500 GiB", image({ SystemDiskSize: 500 })),
  bad("SystemDiskSize", "19 GiB", image({ SystemDiskSize: 19 }), "InvalidSystemDiskSize.NotSupportedValue"),
  bad("SystemDiskSize", "501 GiB", image({ SystemDiskSize: 501 }), "InvalidSystemDiskSize.NotSupportedValue"),
  bad(
    "SystemDiskSize",
    "not an integer",
    image({ SystemDiskSize: 40.5 }),
    "InvalidSystemDiskSize.NotSupportedValue",
  ),
  bad(
    "SystemDiskSize",
    "a string",
    image({ SystemDiskSize: "40" }),
    "InvalidSystemDiskSize.NotSupportedValue",
  ),
  ok("InternetMaxBandwidthOut", "0 and 100", image({ InternetMaxBandwidthOut: 100 })),
  bad(
    "InternetMaxBandwidthOut",
    "101",
    image({ InternetMaxBandwidthOut: 101 }),
    "InvalidInternetMaxBandwidthOut.NotSupportedValue",
  ),
  bad(
    "InternetMaxBandwidthOut",
    "negative",
    image({ InternetMaxBandwidthOut: -1 }),
    "InvalidInternetMaxBandwidthOut.NotSupportedValue",
  ),
  ok("DeleteInstanceOnFailure", "false", image({ DeleteInstanceOnFailure: false })),
  bad(
    "DeleteInstanceOnFailure",
    "a string",
    image({ DeleteInstanceOnFailure: "false" }),
    "InvalidParameter.DeleteInstanceOnFailure",
  ),

  // ClientToken: at most 64 ASCII characters.
  ok("ClientToken", "a UUID", image({ ClientToken: "123e4567-e89b-12d3-a456-426655440000" })),
  bad("ClientToken", "65 characters", image({ ClientToken: "t".repeat(65) }), "InvalidParameter.ClientToken"),
  bad("ClientToken", "non-ASCII", image({ ClientToken: "tökén" }), "InvalidParameter.ClientToken"),

  // BuildContent / TestContent: 16 KB and the command reference (the linter has its own full table).
  ok(
    "BuildContent",
    "RUN with a continuation and RESTART",
    image({ BuildContent: "RUN yum -y update && \\\n    yum -y install nginx\nRESTART" }),
  ),
  ok(
    "TestContent",
    "COMPONENT lines",
    image({
      TestContent:
        "COMPONENT ic-bp12dvdzvr9k9\nCOMPONENT acs:ecs:cn-hangzhou:1868916118612345:imagecomponent/Check/1.*.*",
    }),
  ),
  bad(
    "BuildContent",
    "over 16 KB",
    image({ BuildContent: `RUN echo ${"x".repeat(16 * 1024)}` }),
    "InvalidBuildContent.LengthExceeded",
  ),
  bad(
    "BuildContent",
    "an unknown command",
    image({ BuildContent: "INSTALL nginx" }),
    "InvalidImageTemplateCommand.NotSupported",
  ),
  bad("BuildContent", "RUN without content", image({ BuildContent: "RUN" }), "EmptyCommandContent.RUN"),
  bad(
    "BuildContent",
    "RESTART with content",
    image({ BuildContent: "RESTART now" }),
    "NotEmptyCommandContent.RESTART",
  ),
  bad(
    "BuildContent",
    "two FROM commands",
    image({ BuildContent: "FROM IMAGE:m-abc\nFROM IMAGE:m-def\nRUN true" }),
    "DuplicatedCommand.FROM",
  ),
  bad(
    "BuildContent",
    "128 commands",
    image({ BuildContent: repeat(128, (i) => `RUN echo ${i}`).join("\n") }),
    "InvalidImageTemplateCommandSize.ExceededMaxNumber",
  ),
  bad("TestContent", "a number", image({ TestContent: 1 }), "InvalidParameter.TestContent"),
  bad(
    "BuildContent",
    "FROM after another command",
    image({ BuildContent: "RUN true\nFROM IMAGE:m-abc" }),
    "InvalidCommandOrder.FROM",
  ),
  bad(
    "BuildContent",
    "FROM with an OSS source",
    image({ BuildContent: "FROM OSS:bucket/x.raw\nRUN true" }),
    "InvalidCommandContent.FROM",
  ),
  bad(
    "BuildContent",
    "RUN with a control character",
    image({ BuildContent: "RUN echo \u0001" }),
    "InvalidCommandContent.RUN",
  ),
  bad(
    "BuildContent",
    "ENV with an unquoted key=value",
    image({ BuildContent: "ENV A=b" }),
    "InvalidCommandContent.ENV",
  ),
  bad(
    "BuildContent",
    "WORKDIR with two paths",
    image({ BuildContent: "WORKDIR /a /b" }),
    "InvalidCommandContent.WORKDIR",
  ),
  bad(
    "BuildContent",
    "COPY with one argument",
    image({ BuildContent: "COPY /tmp/a" }),
    "InvalidCommandContent.COPY",
  ),
  bad(
    "BuildContent",
    "USER with two names",
    image({ BuildContent: "USER app admin" }),
    "InvalidCommandContent.USER",
  ),
  bad(
    "BuildContent",
    "CMD with a broken JSON array",
    image({ BuildContent: 'CMD ["nginx", 1]' }),
    "InvalidCommandContent.CMD",
  ),
  bad(
    "BuildContent",
    "ENTRYPOINT with an unclosed JSON array",
    image({ BuildContent: 'ENTRYPOINT ["nginx"' }),
    "InvalidCommandContent.ENTRYPOINT",
  ),
  bad("BuildContent", "LABEL without content", image({ BuildContent: "LABEL" }), "EmptyCommandContent.LABEL"),
  bad("BuildContent", "ENV without content", image({ BuildContent: "ENV" }), "EmptyCommandContent.ENV"),
  bad(
    "BuildContent",
    "ENTRYPOINT without content",
    image({ BuildContent: "ENTRYPOINT" }),
    "EmptyCommandContent.ENTRYPOINT",
  ),
  bad("BuildContent", "CMD without content", image({ BuildContent: "CMD" }), "EmptyCommandContent.CMD"),
  bad("BuildContent", "COPY without content", image({ BuildContent: "COPY" }), "EmptyCommandContent.COPY"),
  bad(
    "BuildContent",
    "WORKDIR without content",
    image({ BuildContent: "WORKDIR" }),
    "EmptyCommandContent.WORKDIR",
  ),
  bad("BuildContent", "USER without content", image({ BuildContent: "USER" }), "EmptyCommandContent.USER"),
  bad(
    "BuildContent",
    "no command at all",
    image({ BuildContent: "# only a comment" }),
    "InvalidParameter.BuildContent",
  ),
  bad(
    "BuildContent",
    "a malformed component reference",
    image({ BuildContent: "COMPONENT my-component" }),
    "InvalidImageComponent.NotSupported",
  ),
  bad(
    "TestContent",
    "over 16 KB",
    image({ TestContent: `RUN echo ${"x".repeat(16 * 1024)}` }),
    "InvalidParameter.TestContent",
  ),

  // ImageOptions
  ok(
    "ImageOptions",
    "every field",
    image({
      ImageOptions: {
        ImageName: "web-base",
        ImageFamily: "web-family",
        Description: "Web tier",
        ImageFeatures: { NvmeSupport: "auto" },
        ImageTags: [{ Key: "team", Value: "web" }],
      },
    }),
  ),
  bad("ImageOptions", "not an object", image({ ImageOptions: "web" }), "InvalidParameter.ImageOptions"),
  bad("ImageOptions", "an array", image({ ImageOptions: [] }), "InvalidParameter.ImageOptions"),
  bad(
    "ImageOptions",
    "an unknown key",
    image({ ImageOptions: { ImageNmae: "web" } }),
    "InvalidParameter.UnknownKey",
    "#/ImageOptions/ImageNmae",
  ),
  bad(
    "ImageOptions.ImageName",
    "65 characters",
    image({ ImageOptions: { ImageName: `a${"b".repeat(64)}` } }),
    "InvalidImageName.Malformed",
    "#/ImageOptions/ImageName",
  ),
  bad(
    "ImageOptions.ImageName",
    "starts with a hyphen",
    image({ ImageOptions: { ImageName: "-web" } }),
    "InvalidImageName.Malformed",
    "#/ImageOptions/ImageName",
  ),
  ok(
    "ImageOptions.ImageFamily",
    "with colons and hyphens",
    image({ ImageOptions: { ImageFamily: "web:base-1" } }),
  ),
  bad(
    "ImageOptions.ImageFamily",
    "with a period",
    image({ ImageOptions: { ImageFamily: "web.base" } }),
    "InvalidImageFamily.Malformed",
    "#/ImageOptions/ImageFamily",
  ),
  bad(
    "ImageOptions.ImageFamily",
    "starts with acs:",
    image({ ImageOptions: { ImageFamily: "acs:family" } }),
    "InvalidImageFamily.Malformed",
    "#/ImageOptions/ImageFamily",
  ),
  bad(
    "ImageOptions.ImageFamily",
    "starts with aliyun",
    image({ ImageOptions: { ImageFamily: "aliyun_family" } }),
    "InvalidImageFamily.Malformed",
    "#/ImageOptions/ImageFamily",
  ),
  bad(
    "ImageOptions.Description",
    "1 character",
    image({ ImageOptions: { Description: "d" } }),
    "InvalidImageOptions.Description",
    "#/ImageOptions/Description",
  ),
  bad(
    "ImageOptions.Description",
    "starts with http://",
    image({ ImageOptions: { Description: "http://x.y" } }),
    "InvalidImageOptions.Description",
    "#/ImageOptions/Description",
  ),
  bad(
    "ImageOptions.ImageFeatures.NvmeSupport",
    "not in the enumeration",
    image({ ImageOptions: { ImageFeatures: { NvmeSupport: "yes" } } }),
    "InvalidParameter.NvmeSupport",
    "#/ImageOptions/ImageFeatures/NvmeSupport",
  ),
  bad(
    "ImageOptions.ImageTags",
    "a repeated key",
    image({ ImageOptions: { ImageTags: [{ Key: "a" }, { Key: "a" }] } }),
    "Duplicate.TagKey",
    "#/ImageOptions/ImageTags/1/Key",
  ),
  bad(
    "ImageOptions.ImageTags",
    "a key starting with acs:",
    image({ ImageOptions: { ImageTags: [{ Key: "acs:x" }] } }),
    "InvalidTagKey.Malformed",
    "#/ImageOptions/ImageTags/0/Key",
  ),

  // Deprecated names: mapped, and a conflict with the replacement is rejected.
  ok("ImageName", "deprecated, mapped", image({ ImageName: "web-base" })),
  bad("ImageName", "malformed", image({ ImageName: "1web" }), "InvalidImageName.Malformed"),
  bad(
    "ImageName",
    "conflicts with ImageOptions.ImageName",
    image({ ImageName: "web-a", ImageOptions: { ImageName: "web-b" } }),
    "InvalidParameterCombination",
  ),
  ok(
    "ImageFamily",
    "deprecated, same as the replacement",
    image({ ImageFamily: "web", ImageOptions: { ImageFamily: "web" } }),
  ),
  bad("ImageFamily", "malformed", image({ ImageFamily: "acs:web" }), "InvalidImageFamily.Malformed"),
  bad(
    "ImageFamily",
    "conflicts with ImageOptions.ImageFamily",
    image({ ImageFamily: "web-a", ImageOptions: { ImageFamily: "web-b" } }),
    "InvalidParameterCombination",
  ),
  ok("NvmeSupport", "deprecated, mapped", image({ NvmeSupport: "supported" })),
  bad(
    "NvmeSupport",
    "not in the enumeration",
    image({ NvmeSupport: "true" }),
    "InvalidParameter.NvmeSupport",
  ),
  bad(
    "NvmeSupport",
    "conflicts with ImageFeatures.NvmeSupport",
    image({ NvmeSupport: "auto", ImageOptions: { ImageFeatures: { NvmeSupport: "supported" } } }),
    "InvalidParameterCombination",
  ),

  // ImportImageOptions (BaseImageType=OSS)
  ok(
    "ImportImageOptions",
    "every field",
    oss({
      Architecture: "arm64",
      OSType: "linux",
      Platform: "Ubuntu",
      BootMode: "UEFI",
      LicenseType: "BYOL",
      DiskDeviceMappings: [
        { OSSBucket: "ecsimageos", OSSObject: "ubuntu.qcow2", Format: "QCOW2", DiskImageSize: 40 },
        { OSSBucket: "ecsimageos", OSSObject: "data.raw", DiskImageSize: 2048 },
      ],
      Features: { NvmeSupport: "supported", ImdsSupport: "v2" },
      RetentionStrategy: "RetainOnlyFailed",
      ImageName: "imported-ubuntu",
      Description: "Imported from OSS",
      RoleName: "AliyunECSImageImportDefaultRole",
      ImportImageTags: [{ Key: "src", Value: "oss" }],
    }),
  ),
  bad(
    "ImportImageOptions",
    "absent with OSS",
    withoutKey(oss({}), "ImportImageOptions"),
    "MissingParameter.ImportImageOptions",
  ),
  bad(
    "ImportImageOptions",
    "given with IMAGE",
    image({ ImportImageOptions: { OSType: "linux" } }),
    "InvalidParameterCombination",
  ),
  bad(
    "ImportImageOptions.DiskDeviceMappings",
    "absent",
    oss({ DiskDeviceMappings: undefined }),
    "MissingParameter.ImageOptionsDiskDeviceMappings",
    "#/ImportImageOptions/DiskDeviceMappings",
  ),
  bad(
    "ImportImageOptions.DiskDeviceMappings",
    "empty",
    oss({ DiskDeviceMappings: [] }),
    "MissingParameter.ImageOptionsDiskDeviceMappings",
    "#/ImportImageOptions/DiskDeviceMappings",
  ),
  ok(
    "ImportImageOptions.DiskDeviceMappings",
    "17 disks",
    oss({ DiskDeviceMappings: repeat(17, (i) => ({ OSSBucket: "ecsimageos", OSSObject: `disk${i}.raw` })) }),
  ),
  bad(
    "ImportImageOptions.DiskDeviceMappings",
    "18 disks",
    oss({ DiskDeviceMappings: repeat(18, (i) => ({ OSSBucket: "ecsimageos", OSSObject: `disk${i}.raw` })) }),
    "InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded",
    "#/ImportImageOptions/DiskDeviceMappings",
  ),
  bad(
    "DiskDeviceMappings.OSSBucket",
    "absent",
    oss({ DiskDeviceMappings: [{ OSSObject: "a.raw" }] }),
    "MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket",
    "#/ImportImageOptions/DiskDeviceMappings/0/OSSBucket",
  ),
  bad(
    "DiskDeviceMappings.OSSBucket",
    "upper case",
    disk({ OSSBucket: "MyBucket" }),
    "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket",
    "#/ImportImageOptions/DiskDeviceMappings/0/OSSBucket",
  ),
  bad(
    "DiskDeviceMappings.OSSBucket",
    "ends with a hyphen",
    disk({ OSSBucket: "bucket-" }),
    "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket",
    "#/ImportImageOptions/DiskDeviceMappings/0/OSSBucket",
  ),
  bad(
    "DiskDeviceMappings.OSSBucket",
    "64 characters",
    disk({ OSSBucket: "b".repeat(64) }),
    "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket",
    "#/ImportImageOptions/DiskDeviceMappings/0/OSSBucket",
  ),
  bad(
    "DiskDeviceMappings.OSSObject",
    "absent",
    oss({ DiskDeviceMappings: [{ OSSBucket: "ecsimageos" }] }),
    "MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject",
    "#/ImportImageOptions/DiskDeviceMappings/0/OSSObject",
  ),
  ok("DiskDeviceMappings.OSSObject", "1023 characters", disk({ OSSObject: "o".repeat(1023) })),
  bad(
    "DiskDeviceMappings.OSSObject",
    "1024 characters",
    disk({ OSSObject: "o".repeat(1024) }),
    "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject",
    "#/ImportImageOptions/DiskDeviceMappings/0/OSSObject",
  ),
  bad(
    "DiskDeviceMappings.OSSObject",
    "a URL",
    disk({ OSSObject: "https://bucket/x.raw" }),
    "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject",
    "#/ImportImageOptions/DiskDeviceMappings/0/OSSObject",
  ),
  bad(
    "DiskDeviceMappings.Format",
    "VMDK",
    disk({ Format: "VMDK" }),
    "InvalidParameter.ImportImageOptionsDiskDeviceMappingsFormat",
    "#/ImportImageOptions/DiskDeviceMappings/0/Format",
  ),
  ok("DiskDeviceMappings.DiskImageSize", "1 GiB", disk({ DiskImageSize: 1 })),
  bad(
    "DiskDeviceMappings.DiskImageSize",
    "0 GiB",
    disk({ DiskImageSize: 0 }),
    "InvalidOperation.DiskImageSizeExceeded",
    "#/ImportImageOptions/DiskDeviceMappings/0/DiskImageSize",
  ),
  bad(
    "DiskDeviceMappings.DiskImageSize",
    "2049 GiB",
    disk({ DiskImageSize: 2049 }),
    "InvalidOperation.DiskImageSizeExceeded",
    "#/ImportImageOptions/DiskDeviceMappings/0/DiskImageSize",
  ),
  bad(
    "ImportImageOptions.Architecture",
    "i386",
    oss({ Architecture: "i386" }),
    "InvalidParameter.ImportImageOptionsArchitecture",
    "#/ImportImageOptions/Architecture",
  ),
  bad(
    "ImportImageOptions.OSType",
    "Linux",
    oss({ OSType: "Linux" }),
    "InvalidParameter.ImportImageOptionsOSType",
    "#/ImportImageOptions/OSType",
  ),
  ok(
    "ImportImageOptions.Platform",
    "a Windows platform with OSType windows",
    oss({ OSType: "windows", Platform: "Windows Server 2022" }),
  ),
  bad(
    "ImportImageOptions.Platform",
    "not in the list",
    oss({ Platform: "Arch" }),
    "InvalidParameter.ImportImageOptionsPlatform",
    "#/ImportImageOptions/Platform",
  ),
  bad(
    "ImportImageOptions.Platform",
    "a Windows platform with OSType linux",
    oss({ OSType: "linux", Platform: "Windows Server 2019" }),
    "InvalidParameterCombination",
    "#/ImportImageOptions/Platform",
  ),
  ok("ImportImageOptions.BootMode", "BIOS on x86_64", oss({ Architecture: "x86_64", BootMode: "BIOS" })),
  bad(
    "ImportImageOptions.BootMode",
    "not in the enumeration",
    oss({ BootMode: "LEGACY" }),
    "InvalidParameter.ImportImageOptionsBootMode",
    "#/ImportImageOptions/BootMode",
  ),
  bad(
    "ImportImageOptions.BootMode",
    "BIOS on arm64",
    oss({ Architecture: "arm64", BootMode: "BIOS" }),
    "InvalidParameter.ImportImageOptionsBootMode",
    "#/ImportImageOptions/BootMode",
  ),
  bad(
    "ImportImageOptions.LicenseType",
    "not in the enumeration",
    oss({ LicenseType: "Free" }),
    "InvalidParameter.ImportImageOptionsLicenseType",
    "#/ImportImageOptions/LicenseType",
  ),
  bad(
    "ImportImageOptions.Features.NvmeSupport",
    "auto (only for the built image)",
    oss({ Features: { NvmeSupport: "auto" } }),
    "InvalidParameter.ImportImageOptionsFeaturesNvmeSupport",
    "#/ImportImageOptions/Features/NvmeSupport",
  ),
  bad(
    "ImportImageOptions.Features.ImdsSupport",
    "v3",
    oss({ Features: { ImdsSupport: "v3" } }),
    "InvalidParameter.ImportImageOptions.Features.ImdsSupport",
    "#/ImportImageOptions/Features/ImdsSupport",
  ),
  bad(
    "ImportImageOptions.RetentionStrategy",
    "not in the enumeration",
    oss({ RetentionStrategy: "Keep" }),
    "InvalidParameter.ImportImageOptions.RetentionStrategy",
    "#/ImportImageOptions/RetentionStrategy",
  ),
  bad(
    "ImportImageOptions.RoleName",
    "with a slash",
    oss({ RoleName: "role/x" }),
    "InvalidParameter.ImportImageOptions.RoleName",
    "#/ImportImageOptions/RoleName",
  ),
  bad(
    "ImportImageOptions.ImageName",
    "starts with acs:",
    oss({ ImageName: "acs:img" }),
    "InvalidParameter.ImportImageOptions.ImageName",
    "#/ImportImageOptions/ImageName",
  ),
  bad(
    "ImportImageOptions",
    "DockerOptions does not exist",
    oss({ DockerOptions: { Image: "nginx" } }),
    "InvalidParameter.UnknownKey",
    "#/ImportImageOptions/DockerOptions",
  ),

  // AdvancedOptions
  ok(
    "AdvancedOptions",
    "both fields",
    image({ AdvancedOptions: { RetainCloudAssistant: true, ImageNameSuffix: "disable" } }),
  ),
  bad(
    "AdvancedOptions.ImageNameSuffix",
    "enable",
    image({ AdvancedOptions: { ImageNameSuffix: "enable" } }),
    "InvalidAdvancedOptions.ImageNameSuffix",
    "#/AdvancedOptions/ImageNameSuffix",
  ),
  bad(
    "AdvancedOptions.RetainCloudAssistant",
    "a string",
    image({ AdvancedOptions: { RetainCloudAssistant: "true" } }),
    "InvalidParameter.AdvancedOptions.RetainCloudAssistant",
    "#/AdvancedOptions/RetainCloudAssistant",
  ),

  // RepairMode / RepairItem
  ok("RepairMode", "Standard", image({ RepairMode: "Standard" })),
  ok(
    "RepairItem",
    "with RepairMode Customized",
    image({ RepairMode: "Customized", RepairItem: ["grub", "fstab"] }),
  ),
  bad("RepairMode", "not in the enumeration", image({ RepairMode: "Full" }), "InvalidParameter.RepairMode"),
  bad(
    "RepairMode",
    "absent while RepairItem is given",
    image({ RepairItem: ["grub"] }),
    "MissingParameter.RepairMode",
  ),
  bad(
    "RepairItem",
    "with RepairMode Standard",
    image({ RepairMode: "Standard", RepairItem: ["grub"] }),
    "InvalidParameterCombination",
  ),
  bad(
    "RepairItem",
    "absent with RepairMode Customized",
    image({ RepairMode: "Customized" }),
    "MissingParameter.RepairItem",
  ),
  bad(
    "RepairItem",
    "an unknown item",
    image({ RepairMode: "Customized", RepairItem: ["kernel"] }),
    "InvalidParameter.RepairItem",
    "#/RepairItem/0",
  ),
  bad(
    "RepairItem",
    "a Windows item for a Linux import",
    oss({ OSType: "linux" }, { RepairMode: "Customized", RepairItem: ["bcd"] }),
    "InvalidParameterCombination",
    "#/RepairItem/0",
  ),

  // AccountId (our extension) and unknown keys.
  ok("AccountId", "16 digits", image({ AccountId: "1000000000000002" })),
  bad("AccountId", "letters", image({ AccountId: "acct-2" }), "InvalidParameter.AccountId"),
  bad(
    "(unknown)",
    "a misspelt top-level key",
    image({ SystemDiskSise: 40 }),
    "InvalidParameter.UnknownKey",
    "#/SystemDiskSise",
  ),
];
