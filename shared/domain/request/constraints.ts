/**
 * Every limit, enumeration and text rule of CreateImagePipeline (API 2014-05-26), as the API
 * reference states it (the seed, test/fixtures/seed/create-image-pipeline.txt) and as the sources of docs/request-contract.md,
 * "Where the rules come from", restore the lists the web page lost. Section numbers (§1 ...) are that section's, so each
 * constant can be checked against its source. The schema and the cross-field rules read these;
 * nothing else restates them.
 */

/** §1 BaseImageType: IMAGE, IMAGE_FAMILY, OSS (OSS needs ImportImageOptions). */
export const BASE_IMAGE_TYPES = ["IMAGE", "IMAGE_FAMILY", "OSS"] as const;

/** §1 Name: 2-128 characters. */
export const NAME_LENGTH = { min: 2, max: 128 } as const;
/** §1 Description, §2 ImageOptions.Description: 2-256 characters. */
export const DESCRIPTION_LENGTH = { min: 2, max: 256 } as const;
/** §1 ImageName (deprecated) and §2 ImageOptions.ImageName: a name prefix of 2-64 characters. */
export const IMAGE_NAME_LENGTH = { min: 2, max: 64 } as const;
/** §2 ImageOptions.ImageFamily (and the deprecated ImageFamily): 2-128 characters. */
export const IMAGE_FAMILY_LENGTH = { min: 2, max: 128 } as const;

/** §1 Tag.N, §2 ImageTags.N: N = 1..20; keys 1-128 characters, values 0-128. */
export const MAX_TAGS = 20;
export const TAG_KEY_LENGTH = { min: 1, max: 128 } as const;
export const TAG_VALUE_LENGTH = { min: 0, max: 128 } as const;
/** §1 Tag.N.Key: "cannot start with `aliyun` or `acs:`". */
export const TAG_KEY_FORBIDDEN_PREFIXES = ["aliyun", "acs:"] as const;
/** §1 Tag.N.Value: "cannot start with `acs:`". */
export const TAG_VALUE_FORBIDDEN_PREFIXES = ["acs:"] as const;
/** §1 Tag keys and values, §2 ImageFamily: "cannot contain `http://` or `https://`". */
export const URL_SCHEMES = ["http://", "https://"] as const;
/** §1 Name, Description, ImageName; §2 ImageOptions.*: "cannot start with `http://` or `https://`". */
export const FORBIDDEN_URL_PREFIXES = URL_SCHEMES;
/** §2 ImageOptions.ImageFamily: "cannot start with aliyun or acs:". */
export const IMAGE_FAMILY_FORBIDDEN_PREFIXES = ["aliyun", "acs:"] as const;

/**
 * §1 Name, §2 ImageOptions.ImageName: starts with a letter or a Chinese character; may contain
 * Chinese characters, letters, digits, colons, underscores, periods and hyphens.
 */
export const NAME_PATTERN = /^[A-Za-z\p{Script=Han}][A-Za-z0-9\p{Script=Han}:_.-]*$/u;
/** §2 ImageOptions.ImageFamily: as names, but **no periods**. */
export const IMAGE_FAMILY_PATTERN = /^[A-Za-z\p{Script=Han}][A-Za-z0-9\p{Script=Han}:_-]*$/u;

/** §1 AddAccount.N and ToRegionId.N: at most 20 each. */
export const MAX_ADD_ACCOUNTS = 20;
export const MAX_TO_REGIONS = 20;

/**
 * Alibaba Cloud account ids are decimal numbers (§1 AddAccount is int64; the wire carries decimal
 * strings). Account ids reach 16 digits, beyond JavaScript's safe integers, so we keep them as
 * strings; a JSON number is accepted only while it is a safe integer.
 */
export const ACCOUNT_ID_PATTERN = /^[1-9][0-9]{0,19}$/;

/**
 * Region ids (cn-hangzhou, ap-southeast-1, cn-shanghai-finance-1). The list of regions changes, so
 * only the form is checked; a region that does not exist is InvalidRegionId.NotFound from ECS.
 */
export const REGION_ID_PATTERN = /^[a-z]{2,}(-[a-z0-9]+)+$/;

/** Resource ids by their documented prefixes (examples in the seed: rg-bp67..., vsw-bp67...). */
export const RESOURCE_GROUP_ID_PATTERN = /^rg-[a-z0-9]+$/;
export const VSWITCH_ID_PATTERN = /^vsw-[a-z0-9]+$/;
/** Instance types: ecs.g6.large, ecs.t5-lc1m1.small, ecs.ebmg6.26xlarge. */
export const INSTANCE_TYPE_PATTERN = /^ecs\.[a-z0-9-]+(\.[a-z0-9-]+)+$/;
/** BaseImage is an image id or an image family name; both are single tokens of at most 128 characters. */
export const BASE_IMAGE_PATTERN = /^\S{1,128}$/;

/** §1 SystemDiskSize: 20-500 GiB, default 40. */
export const SYSTEM_DISK_SIZE_GIB = { min: 20, max: 500, default: 40 } as const;
/** §1 InternetMaxBandwidthOut: 0-100 Mbit/s, default 0 (no internet access for the build). */
export const INTERNET_MAX_BANDWIDTH_OUT_MBPS = { min: 0, max: 100, default: 0 } as const;

/**
 * §1 ClientToken: at most 64 ASCII characters. We also refuse control characters and spaces:
 * a token containing them is a caller's bug, and the token is echoed in logs and URLs.
 */
export const CLIENT_TOKEN_PATTERN = /^[\x21-\x7e]{1,64}$/;

/** §1 BuildContent / TestContent: at most 16 KB. */
export const TEMPLATE_CONTENT_MAX_BYTES = 16 * 1024;

/** §1 RepairMode (SDK 7.11.6): Standard, All, Customized. */
export const REPAIR_MODES = ["Standard", "All", "Customized"] as const;
/** §1 RepairItem.N (only with RepairMode=Customized): the Linux items, then the Windows items. */
export const LINUX_REPAIR_ITEMS = [
  "fstab",
  "grub",
  "dhcp",
  "selinux",
  "growpart",
  "cloudinit",
  "aegis",
  "nvme",
  "virtio",
  "standardizedtimezone",
] as const;
export const WINDOWS_REPAIR_ITEMS = [
  "bcd",
  "hotfix",
  "disk",
  "update",
  "server",
  "bootmgr",
  "vminit",
  "osloader",
  "virtio",
  "standardizedtimezone",
] as const;
export type RepairItem = (typeof LINUX_REPAIR_ITEMS)[number] | (typeof WINDOWS_REPAIR_ITEMS)[number];
/** Both lists without repeats (virtio and standardizedtimezone are in both). */
export const REPAIR_ITEMS = [
  ...new Set([...LINUX_REPAIR_ITEMS, ...WINDOWS_REPAIR_ITEMS]),
] as unknown as readonly [RepairItem, ...RepairItem[]];

/** §2 ImageOptions.ImageFeatures.NvmeSupport (and the deprecated top-level NvmeSupport). */
export const IMAGE_NVME_SUPPORT = ["supported", "unsupported", "auto"] as const;

/** §3 ImportImageOptions.Architecture, default x86_64. */
export const ARCHITECTURES = ["x86_64", "arm64"] as const;
/** §3 ImportImageOptions.OSType, default linux. */
export const OS_TYPES = ["windows", "linux"] as const;
/** §3 ImportImageOptions.Platform: 27 values; the default depends on OSType. */
export const LINUX_PLATFORMS = [
  "Aliyun",
  "Anolis",
  "CentOS",
  "Ubuntu",
  "CoreOS",
  "SUSE",
  "Debian",
  "OpenSUSE",
  "FreeBSD",
  "RedHat",
  "Kylin",
  "UOS",
  "Fedora",
  "Fedora CoreOS",
  "CentOS Stream",
  "AlmaLinux",
  "Rocky Linux",
  "Gentoo",
  "Customized Linux",
  "Others Linux",
] as const;
export const WINDOWS_PLATFORMS = [
  "Windows Server 2022",
  "Windows Server 2019",
  "Windows Server 2016",
  "Windows Server 2012",
  "Windows Server 2008",
  "Windows Server 2003",
  "Other Windows",
] as const;
export const PLATFORMS = [...LINUX_PLATFORMS, ...WINDOWS_PLATFORMS] as const;
/** §3 ImportImageOptions.BootMode, default BIOS; with Architecture=arm64 only UEFI is allowed. */
export const BOOT_MODES = ["BIOS", "UEFI"] as const;
export const ARM64_BOOT_MODES = ["UEFI"] as const;
/** §3 ImportImageOptions.LicenseType, default Auto. */
export const LICENSE_TYPES = ["Auto", "Aliyun", "BYOL"] as const;
/** §3 DiskDeviceMappings.N: N = 1 is the system disk, N = 2..17 data disks; at most 17. */
export const MAX_DISK_DEVICE_MAPPINGS = 17;
/** §3 DiskDeviceMappings.N.Format: empty (auto-detect), RAW, VHD, QCOW2. */
export const DISK_IMAGE_FORMATS = ["RAW", "VHD", "QCOW2"] as const;
/** §3 DiskDeviceMappings.N.DiskImageSize: 1-2048 GiB for the system and the data disks. */
export const DISK_IMAGE_SIZE_GIB = { min: 1, max: 2048 } as const;
/**
 * Seed, InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket: "up to 63 characters, only
 * lowercase letters, numbers, and dashes are allowed, and cannot start or end with a dash". OSS
 * itself needs at least 3 characters, so a shorter name can only fail later.
 */
export const OSS_BUCKET_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/;
/** Seed, InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject: up to 1023 characters, no http(s):// prefix. */
export const OSS_OBJECT_LENGTH = { min: 1, max: 1023 } as const;
/** §3 Features.NvmeSupport of the imported image, default unsupported. */
export const IMPORT_NVME_SUPPORT = ["supported", "unsupported"] as const;
/** §3 Features.ImdsSupport, default v1. */
export const IMDS_SUPPORT = ["v1", "v2"] as const;
/** §3 RetentionStrategy, default RetainNever. */
export const RETENTION_STRATEGIES = [
  "RetainOnlySuccessful",
  "RetainOnlyFailed",
  "RetainAlways",
  "RetainNever",
] as const;
/**
 * §3 ImportImageOptions.ImageName / Description are undocumented for this API; we apply ImportImage's
 * rules (S11 analogy): names 2-128 characters, starting with a letter or Chinese character, with
 * digits, periods, colons, underscores and hyphens; descriptions 2-256 characters.
 */
export const IMPORT_IMAGE_NAME_PATTERN = NAME_PATTERN;
export const IMPORT_IMAGE_NAME_LENGTH = { min: 2, max: 128 } as const;
/** RAM role names: 1-64 characters of letters, digits, periods and hyphens. */
export const RAM_ROLE_NAME_PATTERN = /^[A-Za-z0-9.-]{1,64}$/;

/** §4 AdvancedOptions.ImageNameSuffix: the only value is `disable`. */
export const IMAGE_NAME_SUFFIX_VALUES = ["disable"] as const;

/**
 * RepairItem has no documented limit, but repeats are refused (docs/request-contract.md), so a list
 * longer than the number of distinct items always breaks a rule; it is refused for its size.
 */
export const MAX_REPAIR_ITEMS = REPAIR_ITEMS.length;

/**
 * The longest list any parameter takes. Rules that read list entries one by one (unknown keys,
 * repeats, per-disk rules) skip a longer list: its size is already refused, and reading a million
 * entries would only cost time.
 */
export const LONGEST_LIST = Math.max(
  MAX_TAGS,
  MAX_ADD_ACCOUNTS,
  MAX_TO_REGIONS,
  MAX_DISK_DEVICE_MAPPINGS,
  MAX_REPAIR_ITEMS,
);
