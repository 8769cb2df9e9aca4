/**
 * The MNS queue trigger's function (docs/processing.md): each queued record id is claimed, sent to
 * CreateImagePipeline and settled on its own (shared/app/process-queue-event); the invocation
 * throws, after settling the rest, when any message needs redelivery. The event is read into record
 * ids at the edge (shared/composition/queue-event). Built once per instance; its wiring is built on
 * first use from the environment and the FC context's credentials (shared/composition/worker).
 */
import { createWorkerFunction } from "../../shared/composition/worker";

export const handler = createWorkerFunction();
