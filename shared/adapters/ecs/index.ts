export { type ResolvedEndpoint, toEcsFailure, UnreadableAnswerError } from "../openapi/index";
export {
  createImagePipelineForm,
  createPipelineClient,
  ecsClientFor,
  type PipelineClientOptions,
  resolveEcsEndpoint,
  toCreateImagePipelineRequest,
  UnmappedParameterError,
} from "./pipeline-client";
