/**
 * The CreateImagePipeline request as the HTTP API takes it (docs/http-api.md, "Request body"): the
 * API's own PascalCase names and nesting, one field per parameter of the API reference, plus our
 * `AccountId`. Field rules live here; rules that relate two fields live in ./cross-field-rules.
 *
 * Every object is closed: an unknown key is an error, because a typo silently dropped would build
 * a different image than the caller asked for.
 */
import * as v from "valibot";
import type { RequestErrorCode } from "../ecs-error-codes";
import * as c from "./constraints";
import { issueMessage, quoteList } from "./messages";
import { nameObject } from "./unknown-keys";

export { UNKNOWN_KEY_CODE } from "./unknown-keys";

type Code = RequestErrorCode;

/**
 * Whether `text` has min..max characters (code points). A character is one or two UTF-16 units, so
 * a text of more than 2 * max units is too long without counting: a 16 MB string costs nothing.
 */
function charactersWithin(text: string, min: number, max: number): boolean {
  if (text.length > 2 * max) return false;
  let count = 0;
  for (const _ of text) count++;
  return count >= min && count <= max;
}
const startsWithAny = (text: string, prefixes: readonly string[]): boolean =>
  prefixes.some((prefix) => text.toLowerCase().startsWith(prefix));
const containsAny = (text: string, parts: readonly string[]): boolean =>
  parts.some((part) => text.toLowerCase().includes(part));

/**
 * A closed object: an unknown key is an error. valibot's plain object schema checks the known keys
 * and ignores the rest; the unknown ones are found by ./unknown-keys, which also sees `__proto__`,
 * `constructor` and `prototype` (valibot skips them) and stops when enough violations are found.
 */
function closedObject<const TEntries extends v.ObjectEntries>(entries: TEntries, code: Code, what: string) {
  const notAnObject = issueMessage(
    code,
    `${what.charAt(0).toUpperCase()}${what.slice(1)} must be a JSON object`,
  );
  nameObject(entries, what);
  return v.pipe(
    // valibot's object schemas take arrays for objects.
    v.unknown(),
    v.check((value) => !Array.isArray(value), notAnObject),
    v.object(entries, notAnObject),
  );
}

interface TextRules {
  code: Code;
  what: string;
  length?: { min: number; max: number };
  pattern?: { regex: RegExp; rule: string };
  notStartingWith?: readonly string[];
  notContaining?: readonly string[];
}

/** A string field: type, then length, forbidden prefixes and infixes, then the character rule. */
function text({ code, what, length, pattern, notStartingWith, notContaining }: TextRules) {
  const actions: v.PipeItem<string, string, v.BaseIssue<unknown>>[] = [];
  if (length) {
    const { min, max } = length;
    const rule = min === 0 ? `at most ${max} characters long` : `${min} to ${max} characters long`;
    actions.push(
      v.check((s) => charactersWithin(s, min, max), issueMessage(code, `${what} must be ${rule}`)),
    );
  }
  if (notStartingWith) {
    actions.push(
      v.check(
        (s) => !startsWithAny(s, notStartingWith),
        issueMessage(code, `${what} cannot start with ${quoteList(notStartingWith)}`),
      ),
    );
  }
  if (notContaining) {
    actions.push(
      v.check(
        (s) => !containsAny(s, notContaining),
        issueMessage(code, `${what} cannot contain ${quoteList(notContaining)}`),
      ),
    );
  }
  if (pattern) actions.push(v.regex(pattern.regex, issueMessage(code, `${what} ${pattern.rule}`)));
  return v.pipe(v.string(issueMessage(code, `${what} must be a string`)), ...actions);
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, code: Code, what: string) {
  return v.picklist(values, issueMessage(code, `${what} must be one of ${quoteList(values)}`));
}

function integerBetween(range: { min: number; max: number }, code: Code, what: string, unit: string) {
  const detail = `${what} must be an integer from ${range.min} to ${range.max}${unit ? ` ${unit}` : ""}`;
  return v.pipe(
    v.number(issueMessage(code, detail)),
    v.integer(issueMessage(code, detail)),
    v.minValue(range.min, issueMessage(code, detail)),
    v.maxValue(range.max, issueMessage(code, detail)),
  );
}

function flag(code: Code, what: string) {
  return v.boolean(issueMessage(code, `${what} must be true or false`));
}

/** A list: its type, then its size, and only then its entries, so a list of a million is refused at once. */
function listOf<TItem extends v.GenericSchema>(
  item: TItem,
  max: number,
  sizeCode: Code,
  typeCode: Code,
  what: string,
) {
  return v.pipe(
    v.unknown(),
    v.check(Array.isArray, issueMessage(typeCode, `${what} must be a JSON array`)),
    v.check(
      (list) => !Array.isArray(list) || list.length <= max,
      issueMessage(sizeCode, `${what} can have at most ${max} entries`),
    ),
    v.array(item, issueMessage(typeCode, `${what} must be a JSON array`)),
  );
}

const NAME_RULE =
  "must start with a letter or a Chinese character and contain only Chinese characters, letters, digits, colons (:), underscores (_), periods (.) and hyphens (-)";
const FAMILY_RULE =
  "must start with a letter or a Chinese character and contain only Chinese characters, letters, digits, colons (:), underscores (_) and hyphens (-)";

const imageNameSchema = (what: string) =>
  text({
    code: "InvalidImageName.Malformed",
    what,
    length: c.IMAGE_NAME_LENGTH,
    notStartingWith: c.FORBIDDEN_URL_PREFIXES,
    pattern: { regex: c.NAME_PATTERN, rule: NAME_RULE },
  });

const imageFamilySchema = (what: string) =>
  text({
    code: "InvalidImageFamily.Malformed",
    what,
    length: c.IMAGE_FAMILY_LENGTH,
    notStartingWith: c.IMAGE_FAMILY_FORBIDDEN_PREFIXES,
    notContaining: c.URL_SCHEMES,
    pattern: { regex: c.IMAGE_FAMILY_PATTERN, rule: FAMILY_RULE },
  });

const imageNvmeSupportSchema = (what: string) =>
  oneOf(c.IMAGE_NVME_SUPPORT, "InvalidParameter.NvmeSupport", what);

/** Tag.N, ImageOptions.ImageTags.N and ImportImageOptions.ImportImageTags.N share the tag rules (§1, §2). */
function tagListSchema(what: string, listCode: Code) {
  const tag = closedObject(
    {
      Key: text({
        code: "InvalidTagKey.Malformed",
        what: "A tag key",
        length: c.TAG_KEY_LENGTH,
        notStartingWith: c.TAG_KEY_FORBIDDEN_PREFIXES,
        notContaining: c.URL_SCHEMES,
      }),
      Value: v.optional(
        text({
          code: "InvalidTagValue.Malformed",
          what: "A tag value",
          length: c.TAG_VALUE_LENGTH,
          notStartingWith: c.TAG_VALUE_FORBIDDEN_PREFIXES,
          notContaining: c.URL_SCHEMES,
        }),
      ),
    },
    listCode,
    `Each entry of ${what}`,
  );
  return listOf(tag, c.MAX_TAGS, listCode, listCode, what);
}

/** The type only: the command syntax is linted once by ./validate, which also collects its warnings. */
function templateContentSchema(field: "BuildContent" | "TestContent") {
  return v.string(issueMessage(`InvalidParameter.${field}`, `${field} must be a string`));
}

/** Account ids as strings: 16-digit ids exceed JavaScript's safe integers (see constants). */
function accountIdSchema(code: Code, what: string) {
  const detail = `${what} must be an Alibaba Cloud account id: a string of digits`;
  return v.pipe(
    v.union(
      [
        v.string(),
        v.pipe(
          v.number(),
          v.safeInteger(),
          v.transform((n: number) => String(n)),
        ),
      ],
      issueMessage(code, detail),
    ),
    v.regex(c.ACCOUNT_ID_PATTERN, issueMessage(code, detail)),
  );
}

const regionIdSchema = (code: Code, what: string) =>
  text({
    code,
    what,
    pattern: { regex: c.REGION_ID_PATTERN, rule: "must be a region id such as cn-hangzhou" },
  });

export const ImageOptionsSchema = closedObject(
  {
    ImageName: v.optional(imageNameSchema("ImageOptions.ImageName")),
    ImageFamily: v.optional(imageFamilySchema("ImageOptions.ImageFamily")),
    Description: v.optional(
      text({
        code: "InvalidImageOptions.Description",
        what: "ImageOptions.Description",
        length: c.DESCRIPTION_LENGTH,
        notStartingWith: c.FORBIDDEN_URL_PREFIXES,
      }),
    ),
    ImageFeatures: v.optional(
      closedObject(
        { NvmeSupport: v.optional(imageNvmeSupportSchema("ImageOptions.ImageFeatures.NvmeSupport")) },
        "InvalidParameter.ImageOptions.ImageFeatures",
        "ImageOptions.ImageFeatures",
      ),
    ),
    ImageTags: v.optional(tagListSchema("ImageOptions.ImageTags", "InvalidParameter.ImageOptions.ImageTags")),
  },
  "InvalidParameter.ImageOptions",
  "ImageOptions",
);

export const DiskDeviceMappingSchema = closedObject(
  {
    OSSBucket: v.optional(
      text({
        code: "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket",
        what: "OSSBucket",
        pattern: {
          regex: c.OSS_BUCKET_PATTERN,
          rule: "must be 3 to 63 lowercase letters, digits and hyphens, and cannot start or end with a hyphen",
        },
      }),
    ),
    OSSObject: v.optional(
      text({
        code: "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject",
        what: "OSSObject",
        length: c.OSS_OBJECT_LENGTH,
        notStartingWith: c.FORBIDDEN_URL_PREFIXES,
      }),
    ),
    Format: v.optional(
      oneOf(c.DISK_IMAGE_FORMATS, "InvalidParameter.ImportImageOptionsDiskDeviceMappingsFormat", "Format"),
    ),
    DiskImageSize: v.optional(
      integerBetween(c.DISK_IMAGE_SIZE_GIB, "InvalidOperation.DiskImageSizeExceeded", "DiskImageSize", "GiB"),
    ),
  },
  "InvalidParameter.ImportImageOptions.DiskDeviceMappings",
  "Each entry of ImportImageOptions.DiskDeviceMappings",
);

export const ImportImageOptionsSchema = closedObject(
  {
    Architecture: v.optional(
      oneOf(
        c.ARCHITECTURES,
        "InvalidParameter.ImportImageOptionsArchitecture",
        "ImportImageOptions.Architecture",
      ),
    ),
    OSType: v.optional(
      oneOf(c.OS_TYPES, "InvalidParameter.ImportImageOptionsOSType", "ImportImageOptions.OSType"),
    ),
    Platform: v.optional(
      oneOf(c.PLATFORMS, "InvalidParameter.ImportImageOptionsPlatform", "ImportImageOptions.Platform"),
    ),
    BootMode: v.optional(
      oneOf(c.BOOT_MODES, "InvalidParameter.ImportImageOptionsBootMode", "ImportImageOptions.BootMode"),
    ),
    LicenseType: v.optional(
      oneOf(
        c.LICENSE_TYPES,
        "InvalidParameter.ImportImageOptionsLicenseType",
        "ImportImageOptions.LicenseType",
      ),
    ),
    DiskDeviceMappings: v.optional(
      listOf(
        DiskDeviceMappingSchema,
        c.MAX_DISK_DEVICE_MAPPINGS,
        "InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded",
        "InvalidParameter.ImportImageOptions.DiskDeviceMappings",
        "ImportImageOptions.DiskDeviceMappings",
      ),
    ),
    Features: v.optional(
      closedObject(
        {
          NvmeSupport: v.optional(
            oneOf(
              c.IMPORT_NVME_SUPPORT,
              "InvalidParameter.ImportImageOptionsFeaturesNvmeSupport",
              "ImportImageOptions.Features.NvmeSupport",
            ),
          ),
          ImdsSupport: v.optional(
            oneOf(
              c.IMDS_SUPPORT,
              "InvalidParameter.ImportImageOptions.Features.ImdsSupport",
              "ImportImageOptions.Features.ImdsSupport",
            ),
          ),
        },
        "InvalidParameter.ImportImageOptions.Features",
        "ImportImageOptions.Features",
      ),
    ),
    RetainImportedImage: v.optional(
      flag(
        "InvalidParameter.ImportImageOptions.RetainImportedImage",
        "ImportImageOptions.RetainImportedImage",
      ),
    ),
    RetentionStrategy: v.optional(
      oneOf(
        c.RETENTION_STRATEGIES,
        "InvalidParameter.ImportImageOptions.RetentionStrategy",
        "ImportImageOptions.RetentionStrategy",
      ),
    ),
    ImageName: v.optional(
      text({
        code: "InvalidParameter.ImportImageOptions.ImageName",
        what: "ImportImageOptions.ImageName",
        length: c.IMPORT_IMAGE_NAME_LENGTH,
        notStartingWith: [...c.IMAGE_FAMILY_FORBIDDEN_PREFIXES, ...c.FORBIDDEN_URL_PREFIXES],
        pattern: { regex: c.IMPORT_IMAGE_NAME_PATTERN, rule: NAME_RULE },
      }),
    ),
    Description: v.optional(
      text({
        code: "InvalidParameter.ImportImageOptions.Description",
        what: "ImportImageOptions.Description",
        length: c.DESCRIPTION_LENGTH,
        notStartingWith: c.FORBIDDEN_URL_PREFIXES,
      }),
    ),
    RoleName: v.optional(
      text({
        code: "InvalidParameter.ImportImageOptions.RoleName",
        what: "ImportImageOptions.RoleName",
        pattern: {
          regex: c.RAM_ROLE_NAME_PATTERN,
          rule: "must be a RAM role name: 1 to 64 letters, digits, periods and hyphens",
        },
      }),
    ),
    ImportImageTags: v.optional(
      tagListSchema(
        "ImportImageOptions.ImportImageTags",
        "InvalidParameter.ImportImageOptions.ImportImageTags",
      ),
    ),
  },
  "InvalidParameter.ImportImageOptions",
  "ImportImageOptions",
);

export const AdvancedOptionsSchema = closedObject(
  {
    RetainCloudAssistant: v.optional(
      flag("InvalidParameter.AdvancedOptions.RetainCloudAssistant", "AdvancedOptions.RetainCloudAssistant"),
    ),
    ImageNameSuffix: v.optional(
      oneOf(
        c.IMAGE_NAME_SUFFIX_VALUES,
        "InvalidAdvancedOptions.ImageNameSuffix",
        "AdvancedOptions.ImageNameSuffix",
      ),
    ),
  },
  "InvalidParameter.AdvancedOptions",
  "AdvancedOptions",
);

/** The request body of `POST /v1/pipelines`, before deprecated names are mapped (see ./normalize). */
export const PipelineRequestBodySchema = closedObject(
  {
    AccountId: v.optional(accountIdSchema("InvalidParameter.AccountId", "AccountId")),
    RegionId: regionIdSchema("InvalidParameter.RegionId", "RegionId"),
    BaseImageType: oneOf(c.BASE_IMAGE_TYPES, "InvalidBaseImageType.NotSupportedValue", "BaseImageType"),
    BaseImage: v.optional(
      text({
        code: "InvalidParameter.BaseImage",
        what: "BaseImage",
        pattern: {
          regex: c.BASE_IMAGE_PATTERN,
          rule: "must be an image id or image family name: 1 to 128 characters without spaces",
        },
      }),
    ),
    Name: v.optional(
      text({
        code: "InvalidName.Malformed",
        what: "Name",
        length: c.NAME_LENGTH,
        notStartingWith: c.FORBIDDEN_URL_PREFIXES,
        pattern: { regex: c.NAME_PATTERN, rule: NAME_RULE },
      }),
    ),
    Description: v.optional(
      text({
        code: "InvalidDescription.Malformed",
        what: "Description",
        length: c.DESCRIPTION_LENGTH,
        notStartingWith: c.FORBIDDEN_URL_PREFIXES,
      }),
    ),
    BuildContent: v.optional(templateContentSchema("BuildContent")),
    TestContent: v.optional(templateContentSchema("TestContent")),
    Tag: v.optional(tagListSchema("Tag", "InvalidParameter.Tag")),
    AddAccount: v.optional(
      listOf(
        accountIdSchema("InvalidParameter.AddAccount", "Each AddAccount entry"),
        c.MAX_ADD_ACCOUNTS,
        "InvalidAddAccountSize.ExceededMaxNumber",
        "InvalidParameter.AddAccount",
        "AddAccount",
      ),
    ),
    ToRegionId: v.optional(
      listOf(
        regionIdSchema("InvalidParameter.ToRegionId", "Each ToRegionId entry"),
        c.MAX_TO_REGIONS,
        "InvalidToRegionIdSize.ExceededMaxNumber",
        "InvalidParameter.ToRegionId",
        "ToRegionId",
      ),
    ),
    ImageOptions: v.optional(ImageOptionsSchema),
    ImportImageOptions: v.optional(ImportImageOptionsSchema),
    AdvancedOptions: v.optional(AdvancedOptionsSchema),
    RepairMode: v.optional(oneOf(c.REPAIR_MODES, "InvalidParameter.RepairMode", "RepairMode")),
    RepairItem: v.optional(
      listOf(
        oneOf(c.REPAIR_ITEMS, "InvalidParameter.RepairItem", "Each RepairItem entry"),
        c.MAX_REPAIR_ITEMS,
        "InvalidParameter.RepairItem",
        "InvalidParameter.RepairItem",
        "RepairItem",
      ),
    ),
    VSwitchId: v.optional(
      text({
        code: "InvalidParameter.VSwitchId",
        what: "VSwitchId",
        pattern: { regex: c.VSWITCH_ID_PATTERN, rule: "must be a vSwitch id such as vsw-bp67acfmxazb4p" },
      }),
    ),
    InstanceType: v.optional(
      text({
        code: "InvalidParameter.InstanceType",
        what: "InstanceType",
        pattern: { regex: c.INSTANCE_TYPE_PATTERN, rule: "must be an instance type such as ecs.g6.large" },
      }),
    ),
    SystemDiskSize: v.optional(
      integerBetween(
        c.SYSTEM_DISK_SIZE_GIB,
        "InvalidSystemDiskSize.NotSupportedValue",
        "SystemDiskSize",
        "GiB",
      ),
    ),
    InternetMaxBandwidthOut: v.optional(
      integerBetween(
        c.INTERNET_MAX_BANDWIDTH_OUT_MBPS,
        "InvalidInternetMaxBandwidthOut.NotSupportedValue",
        "InternetMaxBandwidthOut",
        "Mbit/s",
      ),
    ),
    DeleteInstanceOnFailure: v.optional(
      flag("InvalidParameter.DeleteInstanceOnFailure", "DeleteInstanceOnFailure"),
    ),
    ResourceGroupId: v.optional(
      text({
        code: "InvalidParameter.ResourceGroupId",
        what: "ResourceGroupId",
        pattern: {
          regex: c.RESOURCE_GROUP_ID_PATTERN,
          rule: "must be a resource group id such as rg-bp67acfmxazb4p",
        },
      }),
    ),
    ClientToken: v.optional(
      text({
        code: "InvalidParameter.ClientToken",
        what: "ClientToken",
        pattern: {
          regex: c.CLIENT_TOKEN_PATTERN,
          rule: "must be 1 to 64 printable ASCII characters without spaces",
        },
      }),
    ),
    // Deprecated names (§1), mapped onto ImageOptions by ./normalize with a warning.
    ImageName: v.optional(imageNameSchema("ImageName")),
    ImageFamily: v.optional(imageFamilySchema("ImageFamily")),
    NvmeSupport: v.optional(imageNvmeSupportSchema("NvmeSupport")),
  },
  "InvalidParameter.Body",
  "the request body",
);

export type PipelineRequestBody = v.InferOutput<typeof PipelineRequestBodySchema>;
