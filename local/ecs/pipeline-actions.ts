/**
 * The ECS image-pipeline actions: CreateImagePipeline (idempotent by ClientToken, judged by the
 * shared request contract), DescribeImagePipelines (by ids or pages) and DeleteImagePipeline.
 */
import { httpStatusOfEcsCode } from "../../shared/domain/ecs-error-codes";
import { validatePipelineRequest } from "../../shared/domain/request/validate";
import { type ActionContext, type ActionResult, answer, isoSeconds, parse, refuse } from "./actions";
import { FAULTS, fault, type RpcFault } from "./errors";
import { newImagePipelineId, type StoredPipeline } from "./store";
import {
  COMMON_PARAMETERS,
  CREATE_IMAGE_PIPELINE_SHAPE,
  DELETE_IMAGE_PIPELINE_SHAPE,
  DESCRIBE_IMAGE_PIPELINES_SHAPE,
} from "./wire";

/** Same token, same parameters: the identity of a request is its wire parameters minus the token and signing fields. */
function fingerprintOf(params: Readonly<Record<string, string>>): string {
  const kept = Object.keys(params)
    .filter((key) => key !== "ClientToken" && !COMMON_PARAMETERS.has(key))
    .sort()
    .map((key) => [key, params[key]]);
  return JSON.stringify(kept);
}

/** The shared request contract decides; ECS answers the first violation with that code's status. */
function violationOf(input: Record<string, unknown>): RpcFault | undefined {
  const result = validatePipelineRequest(input);
  if (result.ok) return undefined;
  const first = result.violations[0];
  if (!first) return FAULTS.internalError;
  return fault(httpStatusOfEcsCode(first.code), first.code, `${first.detail} (${first.pointer})`);
}

export async function createImagePipeline(ctx: ActionContext): Promise<ActionResult> {
  const parsed = parse(ctx, CREATE_IMAGE_PIPELINE_SHAPE);
  if (!parsed.ok) return parsed;
  const input = parsed.value;
  const { accountId } = ctx.principal;
  const regionId = typeof input.RegionId === "string" ? input.RegionId : "";
  const clientToken =
    typeof input.ClientToken === "string" && input.ClientToken !== "" ? input.ClientToken : null;
  const fingerprint = fingerprintOf(ctx.params);
  if (clientToken !== null) {
    const check = ctx.store.claimToken(accountId, regionId, clientToken, fingerprint);
    if (check.kind === "processing") return refuse(FAULTS.lastTokenProcessing);
    if (check.kind === "mismatch") return refuse(FAULTS.idempotentMismatch);
    if (check.kind === "replay") return answer({ ImagePipelineId: check.imagePipelineId });
  }
  try {
    const violation = violationOf(input);
    if (violation) {
      if (clientToken !== null) ctx.store.releaseToken(accountId, regionId, clientToken);
      return refuse(violation);
    }
    await ctx.delay();
    const imagePipelineId = newImagePipelineId();
    const pipeline: StoredPipeline = {
      imagePipelineId,
      accountId,
      regionId,
      clientToken,
      name: typeof input.Name === "string" ? input.Name : imagePipelineId,
      createdAt: isoSeconds(ctx.now()),
      request: input,
    };
    ctx.store.add(pipeline, clientToken === null ? null : fingerprint);
    return answer({ ImagePipelineId: imagePipelineId }, ctx.shouldDropAfterCommit());
  } catch (err: unknown) {
    if (clientToken !== null) ctx.store.releaseToken(accountId, regionId, clientToken);
    throw err;
  }
}

const MAX_IDS_PER_DESCRIBE = 20;
const DEFAULT_MAX_RESULTS = 50;
const MAX_MAX_RESULTS = 500;

export async function describeImagePipelines(ctx: ActionContext): Promise<ActionResult> {
  const parsed = parse(ctx, DESCRIBE_IMAGE_PIPELINES_SHAPE);
  if (!parsed.ok) return parsed;
  const input = parsed.value;
  if (typeof input.RegionId !== "string" || input.RegionId === "") return refuse(FAULTS.missingRegionId);
  const ids = strings(input.ImagePipelineId);
  if (ids.length > MAX_IDS_PER_DESCRIBE) {
    return refuse(FAULTS.invalidParameter("ImagePipelineId", `at most ${MAX_IDS_PER_DESCRIBE} ids per call`));
  }
  const maxResults = input.MaxResults ?? DEFAULT_MAX_RESULTS;
  if (
    typeof maxResults !== "number" ||
    !Number.isInteger(maxResults) ||
    maxResults < 1 ||
    maxResults > MAX_MAX_RESULTS
  ) {
    return refuse(FAULTS.invalidParameter("MaxResults", `a whole number from 1 to ${MAX_MAX_RESULTS}`));
  }
  const offset = input.NextToken === undefined || input.NextToken === "" ? 0 : offsetOf(input.NextToken);
  if (offset === undefined)
    return refuse(FAULTS.invalidParameter("NextToken", "not a token this API returned"));
  const wantedTags = records(input.Tag);
  await ctx.delay();
  const matching = ctx.store.list().filter((p) => {
    if (p.accountId !== ctx.principal.accountId || p.regionId !== input.RegionId) return false;
    if (ids.length > 0 && !ids.includes(p.imagePipelineId)) return false;
    if (typeof input.Name === "string" && p.name !== input.Name) return false;
    if (typeof input.ResourceGroupId === "string" && p.request.ResourceGroupId !== input.ResourceGroupId)
      return false;
    const tags = records(p.request.Tag);
    return wantedTags.every((want) =>
      tags.some((tag) => tag.Key === want.Key && (want.Value === undefined || tag.Value === want.Value)),
    );
  });
  const page = matching.slice(offset, offset + maxResults);
  const next = offset + page.length;
  return answer({
    TotalCount: matching.length,
    MaxResults: maxResults,
    NextToken: next < matching.length ? tokenOf(next) : "",
    ImagePipeline: { ImagePipelineSet: page.map(describedPipeline) },
  });
}

export async function deleteImagePipeline(ctx: ActionContext): Promise<ActionResult> {
  const parsed = parse(ctx, DELETE_IMAGE_PIPELINE_SHAPE);
  if (!parsed.ok) return parsed;
  const { RegionId, ImagePipelineId } = parsed.value;
  if (typeof RegionId !== "string" || RegionId === "") return refuse(FAULTS.missingRegionId);
  if (typeof ImagePipelineId !== "string" || ImagePipelineId === "") {
    return refuse(FAULTS.missingParameter("ImagePipelineId"));
  }
  const pipeline = ctx.store.get(ImagePipelineId);
  if (!pipeline || pipeline.accountId !== ctx.principal.accountId || pipeline.regionId !== RegionId) {
    return refuse(FAULTS.imagePipelineNotFound);
  }
  await ctx.delay();
  ctx.store.delete(ImagePipelineId);
  return answer({}, ctx.shouldDropAfterCommit());
}

/** DescribeImagePipelines' item, with the XML-style list wrappers and TagKey/TagValue names (docs/cloud-facts.md, "DescribeImagePipelines"). */
function describedPipeline(pipeline: StoredPipeline): Record<string, unknown> {
  const r = pipeline.request;
  const imageOptions = record(r.ImageOptions);
  const importOptions = record(r.ImportImageOptions);
  const tagPairs = (value: unknown) => records(value).map((t) => ({ TagKey: t.Key, TagValue: t.Value }));
  return {
    ImagePipelineId: pipeline.imagePipelineId,
    Name: pipeline.name,
    Description: r.Description,
    BaseImageType: r.BaseImageType,
    BaseImage: r.BaseImage,
    BuildContent: r.BuildContent,
    TestContent: r.TestContent,
    CreationTime: pipeline.createdAt,
    DeleteInstanceOnFailure: r.DeleteInstanceOnFailure ?? true,
    InstanceType: r.InstanceType,
    InternetMaxBandwidthOut: r.InternetMaxBandwidthOut ?? 0,
    SystemDiskSize: r.SystemDiskSize ?? 40,
    VSwitchId: r.VSwitchId,
    ResourceGroupId: r.ResourceGroupId,
    ImageName: r.ImageName ?? imageOptions?.ImageName,
    ImageFamily: r.ImageFamily ?? imageOptions?.ImageFamily,
    NvmeSupport: r.NvmeSupport ?? record(imageOptions?.ImageFeatures)?.NvmeSupport,
    RepairMode: r.RepairMode,
    AddAccounts: { AddAccount: strings(r.AddAccount) },
    ToRegionIds: { ToRegionId: strings(r.ToRegionId) },
    RepairItems: { RepairItem: strings(r.RepairItem) },
    Tags: { Tag: tagPairs(r.Tag) },
    AdvancedOptions: r.AdvancedOptions,
    ImageOptions: imageOptions && {
      ...imageOptions,
      ImageTags: { ImageTag: tagPairs(imageOptions.ImageTags) },
    },
    ImportImageOptions: importOptions && {
      ...importOptions,
      DiskDeviceMappings: { DiskDeviceMapping: records(importOptions.DiskDeviceMappings) },
      ImportImageTags: { ImportImageTag: records(importOptions.ImportImageTags) },
    },
  };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function records(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  const out: Record<string, unknown>[] = [];
  for (const item of value) {
    const entry = record(item);
    if (entry) out.push(entry);
  }
  return out;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function tokenOf(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

function offsetOf(token: unknown): number | undefined {
  if (typeof token !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    const offset = record(parsed)?.offset;
    return typeof offset === "number" && Number.isInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}
