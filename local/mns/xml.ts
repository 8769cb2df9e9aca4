/**
 * Just enough XML for MNS request bodies and responses. The parser is strict where the real service
 * is: a bare `&` or `<` inside text is malformed, which is exactly what `@alicloud/mns` produces for
 * an unescaped body (it interpolates values raw), so the emulator answers `MalformedXML` as MNS does
 * instead of silently accepting what production would refuse.
 */

export const MNS_XMLNS = "http://mns.aliyuncs.com/doc/v1/";

export interface XmlElement {
  name: string;
  children: XmlElement[];
  /** Concatenated character data directly inside this element, entities resolved. */
  text: string;
}

export class MalformedXmlError extends Error {
  override readonly name = "MalformedXmlError";
}

const NAME = /^[A-Za-z_][\w.-]*/;
const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeText(raw: string): string {
  if (raw.includes("<")) throw new MalformedXmlError("unescaped '<' in character data");
  return raw.replace(/&([^;&\s]*);?/g, (whole, entity: string) => {
    if (!whole.endsWith(";")) throw new MalformedXmlError(`bare '&' in character data near "${whole}"`);
    const named = NAMED_ENTITIES[entity];
    if (named !== undefined) return named;
    const numeric = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(entity);
    if (!numeric?.[1]) throw new MalformedXmlError(`unknown entity &${entity};`);
    const digits = numeric[1];
    const code = digits.startsWith("x") ? Number.parseInt(digits.slice(1), 16) : Number.parseInt(digits, 10);
    if (code > 0x10ffff) throw new MalformedXmlError(`character reference out of range: &${entity};`);
    return String.fromCodePoint(code);
  });
}

/** Parses one document; throws {@link MalformedXmlError} on anything that is not well-formed. */
export function parseXml(input: string): XmlElement {
  let pos = 0;
  const skipMisc = (): void => {
    for (;;) {
      const rest = input.slice(pos);
      const ws = /^\s+/.exec(rest);
      if (ws) {
        pos += ws[0].length;
        continue;
      }
      if (rest.startsWith("<?")) {
        const end = input.indexOf("?>", pos);
        if (end < 0) throw new MalformedXmlError("unterminated processing instruction");
        pos = end + 2;
        continue;
      }
      if (rest.startsWith("<!--")) {
        const end = input.indexOf("-->", pos);
        if (end < 0) throw new MalformedXmlError("unterminated comment");
        pos = end + 3;
        continue;
      }
      return;
    }
  };

  const parseElement = (): XmlElement => {
    if (input[pos] !== "<") throw new MalformedXmlError(`expected an element at offset ${pos}`);
    pos++;
    const nameMatch = NAME.exec(input.slice(pos));
    if (!nameMatch) throw new MalformedXmlError(`bad element name at offset ${pos}`);
    const name = nameMatch[0].replace(/^.*:/, "");
    const qualifiedName = nameMatch[0];
    pos += qualifiedName.length;
    // Attributes (only xmlns in practice) are checked for shape and otherwise ignored.
    const attrs = /^(\s+[A-Za-z_][\w.:-]*\s*=\s*("[^"<]*"|'[^'<]*'))*\s*/.exec(input.slice(pos));
    pos += attrs ? attrs[0].length : 0;
    const element: XmlElement = { name, children: [], text: "" };
    if (input.startsWith("/>", pos)) {
      pos += 2;
      return element;
    }
    if (input[pos] !== ">") throw new MalformedXmlError(`malformed start tag <${qualifiedName}>`);
    pos++;
    for (;;) {
      const next = input.indexOf("<", pos);
      if (next < 0) throw new MalformedXmlError(`element <${qualifiedName}> is not closed`);
      element.text += decodeText(input.slice(pos, next));
      pos = next;
      if (input.startsWith("</", pos)) {
        const close = new RegExp(`^</${qualifiedName.replace(/[.]/g, "\\.")}\\s*>`).exec(input.slice(pos));
        if (!close) throw new MalformedXmlError(`mismatched end tag for <${qualifiedName}> at offset ${pos}`);
        pos += close[0].length;
        return element;
      }
      if (input.startsWith("<![CDATA[", pos)) {
        const end = input.indexOf("]]>", pos);
        if (end < 0) throw new MalformedXmlError("unterminated CDATA section");
        element.text += input.slice(pos + 9, end);
        pos = end + 3;
        continue;
      }
      if (input.startsWith("<!--", pos)) {
        const end = input.indexOf("-->", pos);
        if (end < 0) throw new MalformedXmlError("unterminated comment");
        pos = end + 3;
        continue;
      }
      element.children.push(parseElement());
    }
  };

  skipMisc();
  const root = parseElement();
  skipMisc();
  if (pos !== input.length) throw new MalformedXmlError("content after the root element");
  return root;
}

/** The text of the first direct child called `name`, or undefined when there is none. */
export function childText(element: XmlElement, name: string): string | undefined {
  return element.children.find((child) => child.name === name)?.text;
}

export function escapeXml(value: string): string {
  return value.replace(
    /[<>&"']/g,
    (c) => `&${{ "<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos" }[c]};`,
  );
}

/** A response field: a scalar, or nested fields for a child element. */
export type XmlValue = string | number | boolean | XmlFields | XmlFields[];
export interface XmlFields {
  [name: string]: XmlValue | undefined;
}

function renderFields(fields: XmlFields): string {
  let out = "";
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) out += `<${name}>${renderFields(item)}</${name}>`;
    } else if (typeof value === "object") {
      out += `<${name}>${renderFields(value)}</${name}>`;
    } else {
      out += `<${name}>${escapeXml(String(value))}</${name}>`;
    }
  }
  return out;
}

/** A whole response document with the MNS namespace on its root, as the service writes it. */
export function renderXml(root: string, fields: XmlFields): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${MNS_XMLNS}">${renderFields(fields)}</${root}>`;
}
