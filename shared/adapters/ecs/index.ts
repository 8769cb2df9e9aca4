export { type ResolvedEndpoint, toEcsFailure, UnreadableAnswerError } from "../alibaba-rpc/index";
export {
  createImagePipelineForm,
  createPipelineClient,
  ecsClientFor,
  type PipelineClientOptions,
  resolveEcsEndpoint,
  toCreateImagePipelineRequest,
  UnmappedParameterError,
} from "./pipeline-client";
