/**
 * RPC wire parameters -> the nested request shape.
 *
 * The SDKs flatten every request model into `Parent.Child`, 1-based `List.N` and `List.N.Field`
 * string pairs (docs/cloud-facts.md, "ECS RPC wire"). Each action declares the shape it accepts; `unflatten` walks
 * the dotted names against that shape, converts numbers and booleans, and refuses names the action
 * does not know, so a misspelt field in an adapter fails loudly here instead of being ignored.
 */

export type WireField =
  | "string"
  | "number"
  | "boolean"
  | { readonly object: WireShape }
  | { readonly list: WireField };

export type WireShape = { readonly [name: string]: WireField };

/** Parameters every RPC call may carry that are not part of any action's model. */
export const COMMON_PARAMETERS: ReadonlySet<string> = new Set([
  "Action",
  "Version",
  "Format",
  "Timestamp",
  "SignatureNonce",
  "SignatureMethod",
  "SignatureVersion",
  "SignatureType",
  "AccessKeyId",
  "SecurityToken",
  "BearerToken",
  "Signature",
  // Undocumented owner parameters present on most ECS models; the SDK sends them when set.
  "OwnerId",
  "OwnerAccount",
  "ResourceOwnerAccount",
  "ResourceOwnerId",
]);

export interface WireProblem {
  code: "InvalidParameter";
  message: string;
}

export type UnflattenResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; problem: WireProblem };

/** The largest 1-based list index accepted; the API's own lists stop at 20 (disk mappings at 17). */
const MAX_LIST_INDEX = 100;

type Slot = Record<string, unknown> | Map<number, unknown>;

export function unflatten(params: Readonly<Record<string, string>>, shape: WireShape): UnflattenResult {
  const root: Record<string, unknown> = {};
  for (const name of Object.keys(params).sort()) {
    if (COMMON_PARAMETERS.has(name)) continue;
    const raw = params[name]!;
    const placed = place(root, shape, name.split("."), raw);
    if (!placed) {
      return {
        ok: false,
        problem: { code: "InvalidParameter", message: `The parameter "${name}" is not recognized.` },
      };
    }
  }
  return { ok: true, value: materialize(root) as Record<string, unknown> };
}

function place(slot: Slot, field: WireShape | WireField, segments: string[], raw: string): boolean {
  const [head, ...rest] = segments;
  if (head === undefined) return false;
  let child: WireField | undefined;
  let key: string | number;
  if (slot instanceof Map) {
    if (!/^[1-9][0-9]*$/.test(head) || Number(head) > MAX_LIST_INDEX) return false;
    child = (field as { list: WireField }).list;
    key = Number(head);
  } else {
    const shape = field as WireShape;
    if (!Object.hasOwn(shape, head)) return false;
    child = shape[head];
    key = head;
  }
  if (child === undefined) return false;
  const read = (): unknown => (slot instanceof Map ? slot.get(key as number) : slot[key as string]);
  const write = (value: unknown): void => {
    if (slot instanceof Map) slot.set(key as number, value);
    else slot[key as string] = value;
  };
  if (typeof child === "string") {
    if (rest.length > 0) return false;
    write(scalar(child, raw));
    return true;
  }
  if (rest.length === 0) return false;
  const existing = read();
  if ("object" in child) {
    const next = (existing ?? {}) as Record<string, unknown>;
    write(next);
    return place(next, child.object, rest, raw);
  }
  const next = (existing ?? new Map<number, unknown>()) as Map<number, unknown>;
  write(next);
  return place(next, child, rest, raw);
}

/** Numbers and booleans arrive as strings; a value that does not parse stays a string for the validator to name. */
function scalar(type: "string" | "number" | "boolean", raw: string): unknown {
  if (type === "number") return /^-?[0-9]+(\.[0-9]+)?$/.test(raw) ? Number(raw) : raw;
  if (type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  return raw;
}

/** Lists collected by 1-based index become dense 0-based arrays in index order. */
function materialize(value: unknown): unknown {
  if (value instanceof Map) {
    return [...value.entries()].sort(([a], [b]) => a - b).map(([, item]) => materialize(item));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialize(v)]));
  }
  return value;
}

const TAG: WireField = { list: { object: { Key: "string", Value: "string" } } };

/** CreateImagePipeline as `@alicloud/ecs20140526` 7.11.6 models it (`CreateImagePipelineRequest.names()`). */
export const CREATE_IMAGE_PIPELINE_SHAPE: WireShape = {
  RegionId: "string",
  BaseImageType: "string",
  BaseImage: "string",
  BuildContent: "string",
  TestContent: "string",
  ClientToken: "string",
  DeleteInstanceOnFailure: "boolean",
  Description: "string",
  ImageFamily: "string",
  ImageName: "string",
  NvmeSupport: "string",
  InstanceType: "string",
  InternetMaxBandwidthOut: "number",
  Name: "string",
  RepairMode: "string",
  RepairItem: { list: "string" },
  ResourceGroupId: "string",
  SystemDiskSize: "number",
  VSwitchId: "string",
  AddAccount: { list: "string" },
  ToRegionId: { list: "string" },
  Tag: TAG,
  AdvancedOptions: { object: { ImageNameSuffix: "string", RetainCloudAssistant: "boolean" } },
  ImageOptions: {
    object: {
      Description: "string",
      ImageFamily: "string",
      ImageName: "string",
      ImageFeatures: { object: { NvmeSupport: "string" } },
      ImageTags: TAG,
    },
  },
  ImportImageOptions: {
    object: {
      Architecture: "string",
      BootMode: "string",
      Description: "string",
      ImageName: "string",
      LicenseType: "string",
      OSType: "string",
      Platform: "string",
      RetainImportedImage: "boolean",
      RetentionStrategy: "string",
      RoleName: "string",
      DiskDeviceMappings: {
        list: {
          object: { DiskImageSize: "number", Format: "string", OSSBucket: "string", OSSObject: "string" },
        },
      },
      Features: { object: { ImdsSupport: "string", NvmeSupport: "string" } },
      ImportImageTags: TAG,
    },
  },
};

export const DESCRIBE_IMAGE_PIPELINES_SHAPE: WireShape = {
  RegionId: "string",
  ImagePipelineId: { list: "string" },
  Name: "string",
  MaxResults: "number",
  NextToken: "string",
  ResourceGroupId: "string",
  Tag: TAG,
};

export const DELETE_IMAGE_PIPELINE_SHAPE: WireShape = {
  RegionId: "string",
  ImagePipelineId: "string",
};

/** STS AssumeRole as `@alicloud/sts20150401` 1.2.0 sends it. */
export const ASSUME_ROLE_SHAPE: WireShape = {
  RoleArn: "string",
  RoleSessionName: "string",
  DurationSeconds: "number",
  ExternalId: "string",
  Policy: "string",
  SourceIdentity: "string",
};
