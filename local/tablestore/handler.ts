import type { TablestoreState } from "./state";

/** One API operation: its `<Op>Request` protobuf in, its `<Op>Response` out, acting on the state. */
export type Handler = (state: TablestoreState, body: Buffer, now: number) => Buffer;
