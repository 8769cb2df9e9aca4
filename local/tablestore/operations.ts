/**
 * The emulator's route table: one handler per API operation, in the file of its topic
 * (table-operations.ts: tables and indexes; row-operations.ts: rows). A handler decodes the
 * `<Op>Request` protobuf, acts on the state and encodes the `<Op>Response`.
 */

import type { Handler } from "./handler";
import { ROW_HANDLERS } from "./row-operations";
import { TABLE_HANDLERS } from "./table-operations";

export const OPERATIONS = [
  "CreateTable",
  "ListTable",
  "DescribeTable",
  "DeleteTable",
  "UpdateTable",
  "CreateIndex",
  "DropIndex",
  "PutRow",
  "GetRow",
  "UpdateRow",
  "DeleteRow",
  "GetRange",
  "BatchGetRow",
  "BatchWriteRow",
] as const;
export type Operation = (typeof OPERATIONS)[number];

export function isOperation(name: string): name is Operation {
  return (OPERATIONS as readonly string[]).includes(name);
}

export const HANDLERS: Record<Operation, Handler> = { ...TABLE_HANDLERS, ...ROW_HANDLERS };
