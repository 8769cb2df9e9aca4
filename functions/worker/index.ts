/**
 * The MNS queue trigger's function: makes the CreateImagePipeline call for each queued record.
 *
 * Foundation stage: the ECS client is wired so the bundle carries what the worker will load, but
 * no record store exists yet, so every invocation fails and the platform keeps the messages.
 */
import Ecs from "@alicloud/ecs20140526";
import middy from "@middy/core";

async function worker(): Promise<never> {
  throw new Error(`worker not ready: records cannot be loaded yet (${typeof Ecs})`);
}

export const handler = middy().handler(worker);
