/**
 * The filter parameters of `GET /v1/pipelines` (docs/http-api.md, "Filters"): each parameter's
 * rule in one table, every fault reported at once with the parameter it is about, like the
 * body's validation. `status`, `limit`, `cursor` and `batchId` are read by ./status-operations.
 */
import type { RecordFilter } from "../domain/record-filter";
import { ACCOUNT_ID_PATTERN, REGION_ID_PATTERN } from "../domain/request/constraints";
import { type Labels, labelKeyFault, labelValueFault, MAX_LABELS } from "../domain/request/labels";
import { clipText, MAX_DETAIL_BYTES } from "../domain/request/violation";
import type { QueryFaultView } from "./views";

export const FILTER_PARAMETERS = ["accountId", "regionId", "label", "createdAfter", "createdBefore"] as const;
type FilterParameter = (typeof FILTER_PARAMETERS)[number];

type Parsed = { ok: true; filter: RecordFilter } | { ok: false; detail: string };
const fault = (detail: string): Parsed => ({ ok: false, detail });

/**
 * RFC 3339 date-time (`2026-12-07T08:00:00+08:00`, `…T00:00:00.5Z`), as a `Date#toISOString()`
 * time: compared with `createdAt` at millisecond precision (finer fractions are cut).
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

export function parseRfc3339(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  const local = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  const date = new Date(local);
  // Date.UTC rolls 30 February over into March: a field out of range does not survive the trip.
  if (date.getUTCDate() !== day || date.getUTCHours() !== hour || date.getUTCMinutes() !== minute)
    return undefined;
  if (date.getUTCSeconds() !== second || date.getUTCMonth() !== month! - 1) return undefined;
  const offsetHours = m[10] === undefined ? 0 : Number(m[10]);
  const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offsetMs = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const millis = Math.floor(Number(`0${m[7] ?? ""}`) * 1000);
  const at = local + millis - offsetMs;
  return Number.isFinite(at) && year! >= 1 ? new Date(at).toISOString() : undefined;
}

/**
 * `label=key:value`, repeatable (FC's trigger hands a repeated parameter over comma-joined, so
 * `label=a:1&label=b:2` and `label=a:1,b:2` are the same filter); every pair must hold.
 */
function parseLabelFilter(text: string): Parsed {
  const labels: Record<string, string> = {};
  const pairs = text.split(",");
  if (pairs.length > MAX_LABELS) return fault(`at most ${MAX_LABELS} label filters`);
  for (const pair of pairs) {
    const colon = pair.indexOf(":");
    if (colon < 0) return fault(`label must be key:value, got "${pair}"`);
    const [key, value] = [pair.slice(0, colon), pair.slice(colon + 1)];
    const problem = labelKeyFault(key) ?? labelValueFault(value);
    if (problem) return fault(`${problem} (in "${pair}")`);
    if (Object.hasOwn(labels, key) && labels[key] !== value)
      return fault(`label ${key} is asked with two values; a record has one`);
    labels[key] = value;
  }
  return { ok: true, filter: { labels: labels as Labels } };
}

const time =
  (field: "createdAfter" | "createdBefore") =>
  (text: string): Parsed => {
    const at = parseRfc3339(text);
    return at
      ? { ok: true, filter: { [field]: at } }
      : fault(`${field} must be an RFC 3339 date-time, e.g. 2026-12-07T08:00:00Z`);
  };

const PARSERS: Record<FilterParameter, (text: string) => Parsed> = {
  accountId: (text) =>
    ACCOUNT_ID_PATTERN.test(text)
      ? { ok: true, filter: { accountId: text } }
      : fault("accountId must be an Alibaba Cloud account id (decimal digits)"),
  regionId: (text) =>
    REGION_ID_PATTERN.test(text)
      ? { ok: true, filter: { regionId: text } }
      : fault("regionId must be a region id such as cn-hangzhou"),
  label: parseLabelFilter,
  createdAfter: time("createdAfter"),
  createdBefore: time("createdBefore"),
};

/** The filter of `query`'s filter parameters; their faults are pushed onto `faults`. */
export function parseRecordFilters(query: Record<string, string>, faults: QueryFaultView[]): RecordFilter {
  let filter: RecordFilter = {};
  for (const parameter of FILTER_PARAMETERS) {
    const text = query[parameter];
    if (text === undefined) continue;
    const parsed = PARSERS[parameter](text);
    if (parsed.ok) filter = { ...filter, ...parsed.filter };
    else
      faults.push({
        parameter,
        code: `InvalidParameter.${parameter}`,
        detail: clipText(parsed.detail, MAX_DETAIL_BYTES),
      });
  }
  const { createdAfter, createdBefore } = filter;
  if (createdAfter !== undefined && createdBefore !== undefined && createdAfter >= createdBefore)
    faults.push({
      parameter: "createdBefore",
      code: "InvalidParameter.createdBefore",
      detail: "createdBefore must be later than createdAfter",
    });
  return filter;
}
