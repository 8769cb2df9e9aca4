import type { RequestErrorCode } from "../ecs-error-codes";

/**
 * valibot carries one string per issue. We need a code and a sentence, so every message in the
 * request schema is `code + SEPARATOR + detail`, built here and split here, never by hand.
 */
const SEPARATOR = "\u001f";

export function issueMessage(code: RequestErrorCode, detail: string): string {
  return `${code}${SEPARATOR}${detail}`;
}

export function splitIssueMessage(message: string): { code: string; detail: string } | undefined {
  const at = message.indexOf(SEPARATOR);
  if (at < 0) return undefined;
  return { code: message.slice(0, at), detail: message.slice(at + SEPARATOR.length) };
}

/** Quotes alternatives for a sentence: ["a","b","c"] -> `"a", "b" or "c"`. */
export function quoteList(values: readonly string[], conjunction = "or"): string {
  const quoted = values.map((value) => JSON.stringify(value));
  return quoted.length <= 1
    ? quoted.join("")
    : `${quoted.slice(0, -1).join(", ")} ${conjunction} ${quoted.at(-1)}`;
}
