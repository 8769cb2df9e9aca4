import type { DEPRECATED_PARAMETERS } from "./cross-field-rules";
import type { PipelineRequestBody } from "./schema";
import { toPointer, type Warning } from "./violation";

/**
 * The request as stored and sent to ECS: the body with deprecated names moved onto their
 * replacements (docs/http-api.md, "Request body"), so the worker sends one spelling only.
 */
export type PipelineRequest = Omit<PipelineRequestBody, (typeof DEPRECATED_PARAMETERS)[number]["name"]>;

export function normalizePipelineRequest(body: PipelineRequestBody): {
  request: PipelineRequest;
  warnings: Warning[];
} {
  const { ImageName, ImageFamily, NvmeSupport, ...request } = body;
  const warnings: Warning[] = [];
  const deprecated = (name: string, replacement: string): void => {
    warnings.push({
      pointer: toPointer([name]),
      code: `DeprecatedParameter.${name}`,
      detail: `${name} is deprecated; it was applied as ${replacement}. Send ${replacement} instead.`,
    });
  };
  if (ImageName !== undefined || ImageFamily !== undefined || NvmeSupport !== undefined) {
    const imageOptions = { ...request.ImageOptions };
    if (ImageName !== undefined) {
      imageOptions.ImageName = ImageName;
      deprecated("ImageName", "ImageOptions.ImageName");
    }
    if (ImageFamily !== undefined) {
      imageOptions.ImageFamily = ImageFamily;
      deprecated("ImageFamily", "ImageOptions.ImageFamily");
    }
    if (NvmeSupport !== undefined) {
      imageOptions.ImageFeatures = { ...imageOptions.ImageFeatures, NvmeSupport };
      deprecated("NvmeSupport", "ImageOptions.ImageFeatures.NvmeSupport");
    }
    request.ImageOptions = imageOptions;
  }
  if (request.ImportImageOptions?.RetainImportedImage !== undefined) {
    warnings.push({
      pointer: toPointer(["ImportImageOptions", "RetainImportedImage"]),
      code: "DeprecatedParameter.ImportImageOptions.RetainImportedImage",
      detail:
        "ImportImageOptions.RetainImportedImage is deprecated; use ImportImageOptions.RetentionStrategy. It is passed to ECS unchanged.",
    });
  }
  return { request, warnings };
}
