/**
 * Checks an HTTP response against the OpenAPI document (ajv): the operation its method and path
 * name, the status it answered with, the content type, and the body against that response's
 * schema. An answer of no operation (unknown path, method not allowed) must be a Problem.
 * The e2e harness checks every response it gets; the unit test checks the in-process functions.
 */
import { readFileSync } from "node:fs";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import { OPENAPI_PATH } from "../../scripts/openapi";

export interface ObservedResponse {
  method: string;
  /** Path and query, as sent. */
  target: string;
  status: number;
  contentType: string | null;
  body: unknown;
}

interface MediaType {
  schema: { $ref?: string };
}
interface OperationObject {
  operationId: string;
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
interface Document {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, unknown> };
}

const DOC_ID = "openapi.json";
const PROBLEM_REF = "#/components/schemas/Problem";

/** `{id}` matches one path segment. */
const templateRegex = (template: string): RegExp => new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`);

export class OpenApiResponseChecker {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: { regex: RegExp; methods: Record<string, OperationObject> }[];

  /** By default docs/openapi.json, the document clients read. */
  constructor(doc: unknown = JSON.parse(readFileSync(OPENAPI_PATH, "utf8"))) {
    const { paths, components } = doc as Document;
    this.ajv = new Ajv2020({
      allErrors: true,
      // The generated request schema states patterns beside anyOf of a string and a number.
      strictTypes: false,
      formats: {
        "date-time": (text: string) => /^\d{4}-\d\d-\d\dT/.test(text) && !Number.isNaN(Date.parse(text)),
        uri: (text: string) => URL.canParse(text),
      },
    });
    // A document, not a schema: its schemas sit under `components`, which $refs point into.
    this.ajv.addKeyword("components");
    this.ajv.addSchema({ $id: DOC_ID, components });
    this.routes = Object.entries(paths).map(([template, methods]) => ({
      regex: templateRegex(template),
      methods,
    }));
  }

  private validator(ref: string): ValidateFunction {
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOC_ID}${ref}` });
      this.validators.set(ref, validate);
    }
    return validate;
  }

  private operation(method: string, target: string): OperationObject | undefined {
    const path = target.split("?")[0] ?? "";
    return this.routes.find((route) => route.regex.test(path))?.methods[method.toLowerCase()];
  }

  /** What is wrong with the response; empty when the document describes it. */
  problems(response: ObservedResponse): string[] {
    const where = `${response.method} ${response.target} -> ${response.status}`;
    const mediaType = (response.contentType ?? "").split(";")[0]?.trim() ?? "";
    const operation = this.operation(response.method, response.target);
    let ref = PROBLEM_REF;
    if (operation) {
      const documented = operation.responses[String(response.status)];
      if (!documented) return [`${where}: ${operation.operationId} documents no ${response.status}`];
      const media = documented.content?.[mediaType];
      if (!media?.schema.$ref) return [`${where}: ${operation.operationId} documents no ${mediaType} body`];
      ref = media.schema.$ref;
    } else if (mediaType !== "application/problem+json") {
      return [`${where}: no operation, and the body is ${mediaType || "untyped"}, not a problem`];
    }
    const validate = this.validator(ref);
    if (validate(response.body)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${ref} ${e.instancePath || "/"} ${e.message}`);
  }

  /** Throws with every fault when the document does not describe the response. */
  check(response: ObservedResponse): void {
    const faults = this.problems(response);
    if (faults.length > 0) throw new Error(`Response outside docs/openapi.json:\n${faults.join("\n")}`);
  }
}
