export { type ResolvedEndpoint, toCloudApiFailure, UnreadableAnswerError } from "../alibaba-rpc/index";
export {
  createImagePipelineForm,
  createPipelineClient,
  ecsClientFor,
  type PipelineClientOptions,
  resolveEcsEndpoint,
  toCreateImagePipelineRequest,
  UnmappedParameterError,
} from "./pipeline-client";
