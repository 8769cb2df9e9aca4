/**
 * Rules that relate two or more parameters (docs/http-api.md, "Validation": "conditional rules").
 * They read the raw body defensively, so they report alongside the field rules in one answer: a
 * caller fixes everything in one round trip. A rule stays silent when a field it reads has the
 * wrong type; the field rule already reports that.
 */
import type { RequestErrorCode } from "../ecs-error-codes";
import {
  ARM64_BOOT_MODES,
  LINUX_PLATFORMS,
  LINUX_REPAIR_ITEMS,
  LONGEST_LIST,
  WINDOWS_PLATFORMS,
  WINDOWS_REPAIR_ITEMS,
} from "./constraints";
import { quoteList } from "./messages";
import { toPointer, type Violation, type Warning } from "./violation";

type Path = (string | number)[];
type Rule = (
  body: Record<string, unknown>,
  report: (path: Path, code: RequestErrorCode, detail: string) => void,
) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
/** A list these rules read entry by entry; a longer one than any the API takes is refused for its size by the field rules. */
const asArray = (value: unknown): unknown[] | undefined =>
  Array.isArray(value) && value.length <= LONGEST_LIST ? value : undefined;

/** §1/§3: OSS needs ImportImageOptions with at least the system-disk mapping; IMAGE types need BaseImage. */
const baseImageRules: Rule = (body, report) => {
  const type = asString(body.BaseImageType);
  if (type === "OSS") {
    if (body.BaseImage !== undefined) {
      report(
        ["BaseImage"],
        "InvalidParameterCombination",
        "BaseImage must be left out when BaseImageType is OSS: the image comes from ImportImageOptions.DiskDeviceMappings",
      );
    }
    const options = body.ImportImageOptions;
    if (options === undefined) {
      report(
        ["ImportImageOptions"],
        "MissingParameter.ImportImageOptions",
        "ImportImageOptions is required when BaseImageType is OSS",
      );
      return;
    }
    if (!isRecord(options)) return;
    const mappings = options.DiskDeviceMappings;
    if (mappings === undefined || (Array.isArray(mappings) && mappings.length === 0)) {
      report(
        ["ImportImageOptions", "DiskDeviceMappings"],
        "MissingParameter.ImageOptionsDiskDeviceMappings",
        "ImportImageOptions.DiskDeviceMappings needs at least one entry, the system disk, when BaseImageType is OSS",
      );
      return;
    }
    asArray(mappings)?.forEach((mapping, index) => {
      if (!isRecord(mapping)) return;
      const disk = index === 0 ? "the system disk" : `data disk ${index}`;
      if (mapping.OSSBucket === undefined) {
        report(
          ["ImportImageOptions", "DiskDeviceMappings", index, "OSSBucket"],
          "MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket",
          `OSSBucket is required for ${disk}`,
        );
      }
      if (mapping.OSSObject === undefined) {
        report(
          ["ImportImageOptions", "DiskDeviceMappings", index, "OSSObject"],
          "MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject",
          `OSSObject is required for ${disk}`,
        );
      }
    });
    return;
  }
  if (type === "IMAGE" || type === "IMAGE_FAMILY") {
    if (body.BaseImage === undefined) {
      report(
        ["BaseImage"],
        "MissingParameter.BaseImage",
        type === "IMAGE"
          ? "BaseImage (an image id) is required when BaseImageType is IMAGE"
          : "BaseImage (an image family name) is required when BaseImageType is IMAGE_FAMILY",
      );
    }
    if (body.ImportImageOptions !== undefined) {
      report(
        ["ImportImageOptions"],
        "InvalidParameterCombination",
        `ImportImageOptions applies only when BaseImageType is OSS, not ${type}`,
      );
    }
  }
};

/** §3 BootMode: "When Architecture=arm64 ... only UEFI is allowed"; Platform must match OSType. */
const importImageRules: Rule = (body, report) => {
  const options = body.ImportImageOptions;
  if (!isRecord(options)) return;
  const bootMode = asString(options.BootMode);
  if (
    asString(options.Architecture) === "arm64" &&
    bootMode !== undefined &&
    !(ARM64_BOOT_MODES as readonly string[]).includes(bootMode)
  ) {
    report(
      ["ImportImageOptions", "BootMode"],
      "InvalidParameter.ImportImageOptionsBootMode",
      `ImportImageOptions.BootMode must be ${quoteList(ARM64_BOOT_MODES)} when Architecture is arm64`,
    );
  }
  const platform = asString(options.Platform);
  const osType = asString(options.OSType) ?? "linux";
  if (platform === undefined) return;
  const platformsOfOs: readonly string[] = osType === "windows" ? WINDOWS_PLATFORMS : LINUX_PLATFORMS;
  if (
    (LINUX_PLATFORMS as readonly string[]).includes(platform) ||
    (WINDOWS_PLATFORMS as readonly string[]).includes(platform)
  ) {
    if (!platformsOfOs.includes(platform)) {
      report(
        ["ImportImageOptions", "Platform"],
        "InvalidParameterCombination",
        `ImportImageOptions.Platform "${platform}" is not a ${osType} platform (OSType is ${osType}${options.OSType === undefined ? " by default" : ""})`,
      );
    }
  }
};

/** §1 RepairItem: only with RepairMode=Customized, which needs at least one item. */
const repairRules: Rule = (body, report) => {
  const mode = asString(body.RepairMode);
  const items = asArray(body.RepairItem);
  if (body.RepairItem !== undefined && body.RepairMode === undefined) {
    report(
      ["RepairMode"],
      "MissingParameter.RepairMode",
      "RepairMode must be Customized when RepairItem is given",
    );
    return;
  }
  if (mode === "Customized" && (body.RepairItem === undefined || items?.length === 0)) {
    report(
      ["RepairItem"],
      "MissingParameter.RepairItem",
      "RepairItem needs at least one item when RepairMode is Customized",
    );
  }
  if (mode !== undefined && mode !== "Customized" && body.RepairItem !== undefined) {
    report(
      ["RepairItem"],
      "InvalidParameterCombination",
      `RepairItem applies only when RepairMode is Customized, not ${mode}`,
    );
  }
  const osType = asString(at(body, "ImportImageOptions", "OSType"));
  if (asString(body.BaseImageType) === "OSS" && osType !== undefined && items) {
    const allowed: readonly string[] = osType === "windows" ? WINDOWS_REPAIR_ITEMS : LINUX_REPAIR_ITEMS;
    items.forEach((item, index) => {
      if (typeof item === "string" && !allowed.includes(item)) {
        report(
          ["RepairItem", index],
          "InvalidParameterCombination",
          `Repair item "${item}" does not apply to a ${osType} image`,
        );
      }
    });
  }
};

/** Repeated entries: tag keys must be unique (Duplicate.TagKey); a repeated account, region or item is a mistake. */
const uniquenessRules: Rule = (body, report) => {
  const tagLists: Path[] = [
    ["Tag"],
    ["ImageOptions", "ImageTags"],
    ["ImportImageOptions", "ImportImageTags"],
  ];
  for (const listPath of tagLists) {
    const seen = new Set<string>();
    asArray(at(body, ...(listPath as string[])))?.forEach((tag, index) => {
      const key = asString(at(tag, "Key"));
      if (key === undefined) return;
      if (seen.has(key))
        report([...listPath, index, "Key"], "Duplicate.TagKey", `Tag key "${key}" appears more than once`);
      seen.add(key);
    });
  }
  const lists: [string, RequestErrorCode][] = [
    ["AddAccount", "InvalidParameter.AddAccount"],
    ["ToRegionId", "InvalidParameter.ToRegionId"],
    ["RepairItem", "InvalidParameter.RepairItem"],
  ];
  for (const [name, code] of lists) {
    const seen = new Set<string>();
    asArray(body[name])?.forEach((entry, index) => {
      if (typeof entry !== "string" && typeof entry !== "number") return;
      const value = String(entry);
      if (seen.has(value)) report([name, index], code, `${name} lists "${value}" more than once`);
      seen.add(value);
    });
  }
};

/** Deprecated names and their replacements (docs/http-api.md): both given with different values is a conflict. */
export const DEPRECATED_PARAMETERS = [
  { name: "ImageName", replacement: ["ImageOptions", "ImageName"] },
  { name: "ImageFamily", replacement: ["ImageOptions", "ImageFamily"] },
  { name: "NvmeSupport", replacement: ["ImageOptions", "ImageFeatures", "NvmeSupport"] },
] as const;

const deprecatedConflictRules: Rule = (body, report) => {
  for (const { name, replacement } of DEPRECATED_PARAMETERS) {
    const old = body[name];
    const current = at(body, ...replacement);
    if (old !== undefined && current !== undefined && old !== current) {
      report(
        [name],
        "InvalidParameterCombination",
        `${name} is deprecated and conflicts with ${replacement.join(".")}; give only ${replacement.join(".")}`,
      );
    }
  }
};

const RULES: readonly Rule[] = [
  baseImageRules,
  importImageRules,
  repairRules,
  uniquenessRules,
  deprecatedConflictRules,
];

export function crossFieldViolations(body: unknown): Violation[] {
  if (!isRecord(body)) return [];
  const violations: Violation[] = [];
  for (const rule of RULES) {
    rule(body, (path, code, detail) => violations.push({ pointer: toPointer(path), code, detail }));
  }
  return violations;
}

/**
 * Accepted but probably not what the caller wants. A build that downloads with `COPY <url>` fails
 * when the intermediate instance has no internet access, which is the default (§1
 * InternetMaxBandwidthOut = 0), unless the vSwitch routes through a NAT gateway; we cannot tell.
 */
export function crossFieldWarnings(body: unknown): Warning[] {
  if (!isRecord(body)) return [];
  const warnings: Warning[] = [];
  const downloads = /^\s*COPY\s+https?:\/\//im;
  const bandwidth = body.InternetMaxBandwidthOut;
  if ((bandwidth === undefined || bandwidth === 0) && body.VSwitchId === undefined) {
    for (const field of ["BuildContent", "TestContent"] as const) {
      const content = asString(body[field]);
      if (content && downloads.test(content)) {
        warnings.push({
          pointer: toPointer(["InternetMaxBandwidthOut"]),
          code: "NoInternetAccess",
          detail: `${field} downloads a file with COPY, but InternetMaxBandwidthOut is 0, so the build instance has no internet access; set it above 0 or use a vSwitch with a NAT gateway`,
        });
      }
    }
  }
  return warnings;
}
