/**
 * The invariants a chaos run checks (issue 12; docs/processing.md), as one pure function over what
 * the run saw: the records the API accepted, the records as the API reports them at the end, the
 * pipelines the ECS simulator holds, the batches' counts, the completion events, and any 5xx.
 * Each violation names its rule and its record, so a failing run says what broke.
 */

export type Status = "pending" | "running" | "succeeded" | "failed" | "cancelled";
const TERMINAL: ReadonlySet<Status> = new Set(["succeeded", "failed", "cancelled"]);

export interface SeenRecord {
  id: string;
  status: Status;
  accountId: string;
  regionId: string;
  clientToken: string;
  batchId: string | null;
  attempts: number;
  imagePipelineId?: string | undefined;
}

export interface SeenPipeline {
  imagePipelineId: string;
  accountId: string;
  regionId: string;
  clientToken: string | null;
}

export interface SeenBatch {
  id: string;
  total: number;
  counts: Record<Status, number>;
}

export interface SeenEvent {
  id: string;
  status: string;
  imagePipelineId?: string;
}

export interface RunEvidence {
  /** Ids the API answered 202 for (single requests and batch items). */
  accepted: string[];
  /** Every record the API lists at the end, by id. */
  records: ReadonlyMap<string, SeenRecord>;
  pipelines: readonly SeenPipeline[];
  batches: readonly SeenBatch[];
  events: readonly SeenEvent[];
  /** API answers with a 5xx status: `METHOD path -> status`. */
  serverErrors: readonly string[];
  /** Valid submissions the API refused with a 4xx. */
  refused: readonly string[];
}

export type Rule =
  | "accepted-record-terminal"
  | "succeeded-has-one-pipeline"
  | "failed-has-no-pipeline"
  | "pipeline-has-a-record"
  | "batch-counts-match"
  | "event-for-every-terminal-record"
  | "no-event-without-its-state"
  | "no-5xx"
  | "valid-request-accepted";

export const RULES: readonly Rule[] = [
  "accepted-record-terminal",
  "succeeded-has-one-pipeline",
  "failed-has-no-pipeline",
  "pipeline-has-a-record",
  "batch-counts-match",
  "event-for-every-terminal-record",
  "no-event-without-its-state",
  "no-5xx",
  "valid-request-accepted",
];

export interface Violation {
  rule: Rule;
  detail: string;
}

const tokenKey = (accountId: string, regionId: string, token: string) =>
  JSON.stringify([accountId, regionId, token]);

function pipelinesByToken(pipelines: readonly SeenPipeline[]): Map<string, SeenPipeline[]> {
  const byToken = new Map<string, SeenPipeline[]>();
  for (const p of pipelines) {
    if (p.clientToken === null) continue;
    const key = tokenKey(p.accountId, p.regionId, p.clientToken);
    byToken.set(key, [...(byToken.get(key) ?? []), p]);
  }
  return byToken;
}

function checkRecords(evidence: RunEvidence, out: Violation[]): void {
  const byToken = pipelinesByToken(evidence.pipelines);
  for (const id of evidence.accepted) {
    const record = evidence.records.get(id);
    if (!record || !TERMINAL.has(record.status)) {
      out.push({ rule: "accepted-record-terminal", detail: `${id} is ${record?.status ?? "missing"}` });
      continue;
    }
    const held = byToken.get(tokenKey(record.accountId, record.regionId, record.clientToken)) ?? [];
    if (record.status === "succeeded") {
      if (held.length !== 1 || held[0]?.imagePipelineId !== record.imagePipelineId) {
        out.push({
          rule: "succeeded-has-one-pipeline",
          detail: `${id} reports ${record.imagePipelineId}; ECS holds [${held.map((p) => p.imagePipelineId).join(", ")}]`,
        });
      }
    } else if (held.length > 0) {
      out.push({
        rule: "failed-has-no-pipeline",
        detail: `${id} is ${record.status}; ECS holds ${held.map((p) => p.imagePipelineId).join(", ")}`,
      });
    }
  }
}

function checkPipelines(evidence: RunEvidence, out: Violation[]): void {
  const tokens = new Set(
    [...evidence.records.values()].map((r) => tokenKey(r.accountId, r.regionId, r.clientToken)),
  );
  for (const p of evidence.pipelines) {
    if (p.clientToken === null || !tokens.has(tokenKey(p.accountId, p.regionId, p.clientToken))) {
      out.push({ rule: "pipeline-has-a-record", detail: `${p.imagePipelineId} (token ${p.clientToken})` });
    }
  }
}

function checkBatches(evidence: RunEvidence, out: Violation[]): void {
  for (const batch of evidence.batches) {
    const items = [...evidence.records.values()].filter((r) => r.batchId === batch.id);
    const counted = Object.values(batch.counts).reduce((a, b) => a + b, 0);
    const mismatched = (Object.keys(batch.counts) as Status[]).filter(
      (status) => batch.counts[status] !== items.filter((r) => r.status === status).length,
    );
    if (counted !== batch.total || items.length !== batch.total || mismatched.length > 0) {
      out.push({
        rule: "batch-counts-match",
        detail: `${batch.id}: total ${batch.total}, counts ${JSON.stringify(batch.counts)}, items ${items.length}`,
      });
    }
  }
}

function checkEvents(evidence: RunEvidence, out: Violation[]): void {
  const delivered = new Map<string, SeenEvent>();
  for (const event of evidence.events) delivered.set(`${event.id}:${event.status}`, event);
  for (const record of evidence.records.values()) {
    if (!TERMINAL.has(record.status)) continue;
    const event = delivered.get(`${record.id}:${record.status}`);
    if (!event)
      out.push({ rule: "event-for-every-terminal-record", detail: `${record.id} ${record.status}` });
    else if (event.imagePipelineId !== record.imagePipelineId) {
      out.push({
        rule: "event-for-every-terminal-record",
        detail: `${record.id}: event says ${event.imagePipelineId}, record ${record.imagePipelineId}`,
      });
    }
  }
  for (const [key, event] of delivered) {
    if (evidence.records.get(event.id)?.status !== event.status) {
      out.push({ rule: "no-event-without-its-state", detail: key });
    }
  }
}

export function checkInvariants(evidence: RunEvidence): Violation[] {
  const out: Violation[] = [];
  checkRecords(evidence, out);
  checkPipelines(evidence, out);
  checkBatches(evidence, out);
  checkEvents(evidence, out);
  for (const answer of evidence.serverErrors) out.push({ rule: "no-5xx", detail: answer });
  for (const answer of evidence.refused) out.push({ rule: "valid-request-accepted", detail: answer });
  return out;
}
