/**
 * The one home of every ECS error code the service knows: the CreateImagePipeline error-code table
 * of the API reference (the seed, test/fixtures/seed/create-image-pipeline.txt, "Error codes"), who can detect each code, and
 * how the worker treats each failure (docs/processing.md, "Error classes").
 *
 * `detectedBy: "validator"` means our request contract reports that code before anything is stored
 * (a test proves each one is produced). `"server"` means only ECS can know it (the state of an
 * image, a quota, a permission); the reason says why, and such faults arrive as a record's outcome.
 */

export type ErrorClass = "transient" | "permanent";

export interface EcsErrorCodeRow {
  httpStatus: 400 | 403 | 404;
  detectedBy: "validator" | "server";
  /** Why only the server can know it; required for `detectedBy: "server"`. */
  reason?: string;
}

const validator = (httpStatus: 400 | 403 | 404): EcsErrorCodeRow => ({ httpStatus, detectedBy: "validator" });
const server = (httpStatus: 400 | 403 | 404, reason: string): EcsErrorCodeRow => ({
  httpStatus,
  detectedBy: "server",
  reason,
});

const IMAGE_STATE = "depends on the base image that exists in the account, which only ECS can look up";
const OSS_STATE = "depends on the OSS object and the account's RAM setup, which only ECS can check";
const NO_DOCKER_OPTIONS =
  "refers to ImportImageOptions.DockerOptions, which no SDK model or API metadata has; our contract rejects that key as unknown, so only the server could ever answer this";

/** The seed's table, in its order. Keep it complete: a test compares it with the seed text. */
export const CREATE_IMAGE_PIPELINE_ERROR_CODES = {
  "InvalidSourceInstance.NotFound": server(
    400,
    "names a source instance, which no parameter of this API takes; only ECS knows when it answers this",
  ),
  "InvalidName.Malformed": validator(400),
  "InvalidDescription.Malformed": validator(400),
  "InvalidImageName.Malformed": validator(400),
  "InvalidBaseImageType.NotSupportedValue": validator(400),
  "InvalidSystemDiskSize.NotSupportedValue": validator(400),
  "InvalidInternetMaxBandwidthOut.NotSupportedValue": validator(400),
  "InvalidAddAccountSize.ExceededMaxNumber": validator(400),
  "InvalidToRegionIdSize.ExceededMaxNumber": validator(400),
  "InvalidBuildContent.LengthExceeded": validator(400),
  "InvalidImageTemplateCommandSize.ExceededMaxNumber": validator(400),
  "DuplicatedCommand.FROM": validator(400),
  "InvalidCommandOrder.FROM": validator(400),
  "InvalidImageTemplateCommand.NotSupported": validator(400),
  "InvalidCommandContent.RUN": validator(400),
  "InvalidCommandContent.ENV": validator(400),
  "InvalidCommandContent.WORKDIR": validator(400),
  "InvalidCommandContent.COPY": validator(400),
  "InvalidCommandContent.USER": validator(400),
  "InvalidCommandContent.FROM": validator(400),
  "InvalidCommandContent.CMD": validator(400),
  "InvalidCommandContent.ENTRYPOINT": validator(400),
  "QuotaExceed.ImagePipeline": server(
    400,
    "the account's image-template quota in the region is state only ECS holds",
  ),
  NoPermission: server(400, "depends on the caller's RAM permissions in the target account"),
  "EmptyCommandContent.LABEL": validator(400),
  "EmptyCommandContent.ENV": validator(400),
  "EmptyCommandContent.ENTRYPOINT": validator(400),
  "EmptyCommandContent.CMD": validator(400),
  "EmptyCommandContent.COPY": validator(400),
  "EmptyCommandContent.WORKDIR": validator(400),
  "NotEmptyCommandContent.RESTART": validator(400),
  "EmptyCommandContent.USER": validator(400),
  "EmptyCommandContent.RUN": validator(400),
  "InvalidImage.OsTypeUnsupported": server(400, IMAGE_STATE),
  "InvalidParameter.BuildContent": validator(400),
  "InvalidParameter.TestContent": validator(400),
  "InvalidImageComponent.NotSupported": validator(400),
  InvalidParameterCombination: validator(400),
  "InvalidParameter.RepairMode": validator(400),
  "InvalidImageFamily.Malformed": validator(400),
  "InvalidImage.ImageOwnerAliasUnsupported": server(400, IMAGE_STATE),
  "InvalidParameter.ImportImageOptionsArchitecture": validator(400),
  "InvalidParameter.ImportImageOptionsOSType": validator(400),
  "InvalidParameter.ImportImageOptionsBootMode": validator(400),
  "InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded": validator(400),
  "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject": validator(400),
  "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket": validator(400),
  "InvalidParameter.ImportImageOptionsPlatform": validator(400),
  "InvalidParameter.ImportImageOptionsLicenseType": validator(400),
  "InvalidParameter.ImportImageOptionsFeaturesNvmeSupport": validator(400),
  "InvalidParameter.NvmeSupport": validator(400),
  "InvalidParameter.ImportImageOptionsDiskDeviceMappingsFormat": validator(400),
  "InvalidOperation.DiskImageSizeExceeded": validator(400),
  "InvalidImageOptions.Description": validator(400),
  "InvalidImageName.Duplicated": server(400, "depends on the images that already exist in the target region"),
  "InvalidImage.NotSupportRepair": server(400, IMAGE_STATE),
  "Duplicate.TagKey": validator(400),
  "InvalidTagKey.Malformed": validator(400),
  "InvalidTagValue.Malformed": validator(400),
  "InvalidAdvancedOptions.ImageNameSuffix": validator(400),
  "InvalidImportImageOptions.DockerOptionsImageMalformed": server(400, NO_DOCKER_OPTIONS),
  "InvalidImportImageOptions.DockerOptionsImageSizeMalformed": server(400, NO_DOCKER_OPTIONS),
  "ImagePipeline.NotSupportWindowsInstance": server(
    403,
    "depends on the operating system of the base image, which only ECS can look up",
  ),
  "InvalidOSSObject.NotAuthorized": server(403, OSS_STATE),
  "InvalidOperation.NoPermissionCreateServiceLinkedRole": server(
    403,
    "depends on the caller's RAM permissions in the target account",
  ),
  "InvalidOSSObject.NeedRestore": server(403, OSS_STATE),
  "InvalidOperation.NoRightAccessOSS": server(403, OSS_STATE),
  "InvalidOperation.OSSObjectIsImporting": server(403, OSS_STATE),
  "InvalidImage.NotFound": server(404, IMAGE_STATE),
  "InvalidResourceGroup.NotFound": server(
    404,
    "depends on the resource groups that exist in the target account",
  ),
  "ImageComponent.NotFound": server(
    404,
    "depends on the image components that exist in the target account and region",
  ),
  "InvalidInstanceType.NotFound": server(
    404,
    "depends on the instance types offered in the region, which change over time",
  ),
  "InvalidVSwitchId.NotFound": server(404, "depends on the vSwitches that exist in the target account"),
  "InvalidRegionId.NotFound": server(
    404,
    "the list of regions changes over time; we check only the format of a region id",
  ),
  "InvalidImportImageOptionsDiskDeviceMappingsOSSObject.NotFound": server(404, OSS_STATE),
  "MissingParameter.RepairMode": validator(404),
  "MissingParameter.ImportImageOptions": validator(404),
  "MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject": validator(404),
  "MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket": validator(404),
  "MissingParameter.ImageOptionsDiskDeviceMappings": validator(404),
  "MissingImportImageOptions.DockerOptions": server(404, NO_DOCKER_OPTIONS),
  "InvalidOssBucketName.NotFound": server(
    404,
    "refers to OssDeliveryConfig.BucketName, which this API does not take; only the server could answer it",
  ),
} as const satisfies Record<string, EcsErrorCodeRow>;

export type SeedErrorCode = keyof typeof CREATE_IMAGE_PIPELINE_ERROR_CODES;

/** Codes for faults the seed's table has no code for: `InvalidParameter.<Path>` / `MissingParameter.<Path>`. */
export type FallbackErrorCode = `InvalidParameter.${string}` | `MissingParameter.${string}`;

export type RequestErrorCode = SeedErrorCode | FallbackErrorCode;

export function isSeedErrorCode(code: string): code is SeedErrorCode {
  return Object.hasOwn(CREATE_IMAGE_PIPELINE_ERROR_CODES, code);
}

/** The HTTP status ECS answers a code with: the seed's where it has the code, else 400. */
export function httpStatusOfEcsCode(code: string): number {
  return isSeedErrorCode(code) ? CREATE_IMAGE_PIPELINE_ERROR_CODES[code].httpStatus : 400;
}

/**
 * Codes that are transient whatever their HTTP status (docs/processing.md, "Error classes"):
 * throttling is answered with 400 and a token still in flight with 403, yet both clear on retry
 * with the same ClientToken.
 */
export const TRANSIENT_CODES = [
  "Throttling",
  "Throttling.User",
  "Throttling.Api",
  "ServiceUnavailable",
  "InternalError",
  "UnknownError",
  "LastTokenProcessing",
] as const;

/** Codes our own transport layer gives to failures that never got an ECS answer. */
export const TRANSPORT_FAILURE_CODES = ["NetworkError", "Timeout"] as const;

/**
 * An answer that is not ECS's JSON (a gateway's HTML error page, an empty body): it names no code,
 * so its HTTP status is all there is to judge by.
 */
export const UNPARSABLE_RESPONSE_CODE = "UnparsableResponse";

/**
 * 4xx statuses that say "not now" rather than "never": 429 is throttling in HTTP's own words, 408
 * is the gateway giving up on a slow upload. Every other 4xx refuses the request itself (414: the
 * URL is too long, 400: a header is too large), and sending the same request again cannot help.
 */
export const TRANSIENT_CLIENT_STATUSES: readonly number[] = [408, 429];

/** An unparsable answer by its status: a 4xx refusal is permanent, anything else may pass. */
function classifyUnparsable(httpStatus: number | undefined): ErrorClass {
  if (httpStatus === undefined || httpStatus < 400 || httpStatus >= 500) return "transient";
  return TRANSIENT_CLIENT_STATUSES.includes(httpStatus) ? "transient" : "permanent";
}

/** Permanent although they are not in the seed's table: retrying with the same token cannot help. */
export const PERMANENT_EXTRA_CODES = [
  "IdempotentParameterMismatch",
  "InvalidAccessKeyId.NotFound",
  "InvalidAccessKeyId.Inactive",
  "SignatureDoesNotMatch",
  "InvalidSecurityToken.Expired",
  "InvalidSecurityToken.Malformed",
  "InvalidSecurityToken.MismatchWithAccessKey",
  "Forbidden.RAM",
  "EntityNotExist.Role",
] as const;

export interface EcsFailureFacts {
  code: string;
  /** Absent when no HTTP answer arrived (reset, refused, DNS, timeout). */
  httpStatus?: number;
}

/**
 * Transient or permanent, by the table of docs/processing.md. Order matters: a named transient code
 * wins over its 4xx status; the seed's codes and the known permanent ones are permanent whatever
 * the status; an unparsable answer goes by its status alone (a 4xx other than 408/429 is
 * permanent, a 2xx or 5xx transient); then any 5xx, and any failure without an HTTP answer, is
 * transient; every other code (unknown 4xx codes) is permanent.
 */
export function classifyEcsFailure({ code, httpStatus }: EcsFailureFacts): ErrorClass {
  if ((TRANSIENT_CODES as readonly string[]).includes(code) || code.startsWith("Throttling."))
    return "transient";
  if ((PERMANENT_EXTRA_CODES as readonly string[]).includes(code) || isSeedErrorCode(code))
    return "permanent";
  if (code === UNPARSABLE_RESPONSE_CODE) return classifyUnparsable(httpStatus);
  if ((TRANSPORT_FAILURE_CODES as readonly string[]).includes(code)) return "transient";
  if (httpStatus === undefined || httpStatus >= 500) return "transient";
  return "permanent";
}
