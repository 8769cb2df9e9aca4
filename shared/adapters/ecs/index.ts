export {
  createPipelineClient,
  type PipelineClientOptions,
  type ResolvedEndpoint,
  resolveEcsEndpoint,
  toCreateImagePipelineRequest,
  toEcsFailure,
  UnmappedParameterError,
} from "./pipeline-client";
