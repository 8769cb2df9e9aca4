/** Reading an MNS request: raw query, strict XML bodies, integer fields and ranged parameters. */
import { randomBytes } from "node:crypto";
import { MnsServiceError } from "./errors";
import { checkRangeText, type RangeLimit } from "./limits";
import { childText, MalformedXmlError, parseXml, type XmlElement } from "./xml";

export function requestId(): string {
  return randomBytes(12).toString("hex").toUpperCase();
}

/** Query keys case-insensitive, values raw: receipt handles carry unescaped `+ / =`. */
export function parseQuery(search: string): Map<string, string> {
  const query = new Map<string, string>();
  for (const part of search.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    const raw = eq < 0 ? "" : part.slice(eq + 1);
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      throw new MnsServiceError("InvalidQueryString", `The query parameter ${name} is not valid.`);
    }
    query.set(name, value);
  }
  return query;
}

/** A query parameter within its documented range (./limits.ts), or undefined when absent. */
export function intParam(query: Map<string, string>, name: string, limit: RangeLimit): number | undefined {
  const text = query.get(name.toLowerCase());
  return text === undefined ? undefined : checkRangeText(name, text, limit);
}

export function parseBody(body: Buffer, expectedRoots: readonly string[]): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(body.toString("utf8"));
  } catch (err) {
    const reason = err instanceof MalformedXmlError ? err.message : String(err);
    throw new MnsServiceError("MalformedXML", `The XML you provided was not well-formed: ${reason}.`);
  }
  if (!expectedRoots.includes(root.name)) {
    throw new MnsServiceError(
      "MalformedXML",
      `Expected a <${expectedRoots.join("> or <")}> document, got <${root.name}>.`,
    );
  }
  return root;
}

export function optionalInt(element: XmlElement, name: string): number | undefined {
  const text = childText(element, name);
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text.trim());
  if (!Number.isInteger(value)) throw new MnsServiceError("InvalidArgument", `${name} should be an integer.`);
  return value;
}

/** The children of an attributes document (`<Queue>`, `<Topic>`, `<Subscription>`) as trimmed text. */
export function textAttributes(element: XmlElement): Record<string, string> {
  return Object.fromEntries(element.children.map((c) => [c.name, c.text.trim()]));
}

export const noMessage = (): MnsServiceError => new MnsServiceError("MessageNotExist", "Message not exist.");

/** `201` with the new resource's Location, or `204` when an identical one already existed. */
export function created(host: string, path: string, isNew: boolean) {
  return isNew ? { status: 201, headers: { Location: `http://${host}${path}` } } : { status: 204 };
}
