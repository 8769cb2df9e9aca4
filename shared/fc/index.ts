export type { FcContext, FcCredentials, FcFunctionMeta } from "./context";
export {
  parseQueueTriggerEvent,
  type TriggerEntry,
  TriggerEventError,
  type TriggerMessage,
} from "./queue-trigger-event";
