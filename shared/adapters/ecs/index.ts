export { type ResolvedEndpoint, toEcsFailure } from "../openapi/index";
export {
  createPipelineClient,
  type PipelineClientOptions,
  resolveEcsEndpoint,
  toCreateImagePipelineRequest,
  UnmappedParameterError,
} from "./pipeline-client";
