/**
 * Column conditions and filters (`filter.proto`): the same messages serve as a write's column
 * condition and as a read's `columnFilter`.
 */
import { ots } from "./errors";
import { readCellValue } from "./plain-buffer-reader";
import { decodeFilterMessage } from "./protocol";
import { type CellValue, compareValues, sameType } from "./values";

export type Comparator =
  | "EQUAL"
  | "NOT_EQUAL"
  | "GREATER_THAN"
  | "GREATER_EQUAL"
  | "LESS_THAN"
  | "LESS_EQUAL";

export type ColumnFilter =
  | { kind: "single"; column: string; comparator: Comparator; value: CellValue; passIfMissing: boolean }
  | { kind: "composite"; operator: "NOT" | "AND" | "OR"; children: ColumnFilter[] }
  | { kind: "pagination"; offset: number; limit: number };

const COMPARATORS: Record<number, Comparator> = {
  1: "EQUAL",
  2: "NOT_EQUAL",
  3: "GREATER_THAN",
  4: "GREATER_EQUAL",
  5: "LESS_THAN",
  6: "LESS_EQUAL",
};
const LOGICAL_OPERATORS: Record<number, "NOT" | "AND" | "OR"> = { 1: "NOT", 2: "AND", 3: "OR" };

const FT_SINGLE_COLUMN_VALUE = 1;
const FT_COMPOSITE_COLUMN_VALUE = 2;
const FT_COLUMN_PAGINATION = 3;

interface FilterMessage {
  type: number;
  filter: Uint8Array;
}

/** A serialized `filter.proto.Filter`, or undefined when the field is empty (no condition). */
export function parseFilter(bytes: Uint8Array | null | undefined): ColumnFilter | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  return fromFilterMessage(decodeFilterMessage<FilterMessage>("Filter", bytes));
}

function fromFilterMessage(message: FilterMessage): ColumnFilter {
  const body = message.filter;
  switch (message.type) {
    case FT_SINGLE_COLUMN_VALUE: {
      const single = decodeFilterMessage<{
        comparator: number;
        columnName: string;
        columnValue: Uint8Array;
        filterIfMissing: boolean;
      }>("SingleColumnValueFilter", body);
      const comparator = COMPARATORS[single.comparator];
      if (!comparator) throw ots.parameterInvalid(`Invalid comparator ${single.comparator}.`);
      return {
        kind: "single",
        column: single.columnName,
        comparator,
        value: readCellValue(Buffer.from(single.columnValue)),
        passIfMissing: !single.filterIfMissing,
      };
    }
    case FT_COMPOSITE_COLUMN_VALUE: {
      const composite = decodeFilterMessage<{ combinator: number; subFilters: FilterMessage[] }>(
        "CompositeColumnValueFilter",
        body,
      );
      const operator = LOGICAL_OPERATORS[composite.combinator];
      if (!operator) throw ots.parameterInvalid(`Invalid logical operator ${composite.combinator}.`);
      const children = composite.subFilters.map(fromFilterMessage);
      if (operator === "NOT" && children.length !== 1) {
        throw ots.parameterInvalid("The logical operator NOT takes exactly one sub condition.");
      }
      if (operator !== "NOT" && children.length < 2) {
        throw ots.parameterInvalid(`The logical operator ${operator} takes at least two sub conditions.`);
      }
      return { kind: "composite", operator, children };
    }
    case FT_COLUMN_PAGINATION: {
      const page = decodeFilterMessage<{ offset: number; limit: number }>("ColumnPaginationFilter", body);
      return { kind: "pagination", offset: page.offset, limit: page.limit };
    }
    default:
      throw ots.parameterInvalid(`Invalid filter type ${message.type}.`);
  }
}

function compareMatches(comparator: Comparator, order: number): boolean {
  switch (comparator) {
    case "EQUAL":
      return order === 0;
    case "NOT_EQUAL":
      return order !== 0;
    case "GREATER_THAN":
      return order > 0;
    case "GREATER_EQUAL":
      return order >= 0;
    case "LESS_THAN":
      return order < 0;
    case "LESS_EQUAL":
      return order <= 0;
  }
}

/**
 * Whether a row's attributes satisfy the filter. A missing column passes when `passIfMissing`;
 * a value of another type never matches (a fidelity simplification, see README).
 * Pagination filters select columns rather than rows, so they always pass here.
 */
export function matches(
  filter: ColumnFilter,
  attributes: Readonly<Record<string, { value: CellValue }>>,
): boolean {
  switch (filter.kind) {
    case "single": {
      const cell = attributes[filter.column];
      if (!cell) return filter.passIfMissing;
      if (!sameType(cell.value, filter.value)) return false;
      return compareMatches(filter.comparator, compareValues(cell.value, filter.value));
    }
    case "composite":
      if (filter.operator === "NOT") return !matches(filter.children[0]!, attributes);
      if (filter.operator === "AND") return filter.children.every((c) => matches(c, attributes));
      return filter.children.some((c) => matches(c, attributes));
    case "pagination":
      return true;
  }
}

/** A write's column condition may not be a pagination filter. */
export function assertConditionFilter(filter: ColumnFilter | undefined): void {
  if (filter?.kind === "pagination") {
    throw ots.parameterInvalid("A column pagination filter cannot be used as a condition.");
  }
  if (filter?.kind === "composite") filter.children.forEach(assertConditionFilter);
}
