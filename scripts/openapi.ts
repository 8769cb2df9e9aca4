/**
 * `npm run openapi`: writes docs/openapi.json, the OpenAPI document of shared/http/openapi.ts with
 * its request and response schemas converted from the valibot schemas of shared/http/views.ts.
 *
 * The conversion runs here and in the tests, never in a function: the functions serve no document,
 * and @valibot/to-json-schema is a dev dependency.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { toJsonSchemaDefs } from "@valibot/to-json-schema";
import { buildOpenApiDocument } from "../shared/http/openapi";
import { VIEW_SCHEMAS } from "../shared/http/views";

export const OPENAPI_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../docs/openapi.json",
);

type JsonSchema = Record<string, unknown>;

/**
 * The request's objects are closed: an unknown key is a violation (shared/domain/request/schema's
 * `closedObject`, the batch envelope's "items" only), which a valibot `object` does not say. The
 * views stay open to members a later version adds.
 */
const CLOSED_COMPONENTS = ["PipelineRequest", "BatchRequest"];

function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (typeof schema !== "object" || schema === null) return schema;
  const closed = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closeObjects(value)]));
  return "properties" in closed ? { ...closed, additionalProperties: false } : closed;
}

/**
 * The components of the document. `errorMode: "ignore"` skips what JSON Schema cannot state (the
 * request's custom checks: byte lengths, cross-field rules), so the document is looser than the
 * validator there and docs/request-contract.md says the rest.
 */
export function viewJsonSchemas(): Record<string, JsonSchema> {
  const schemas = toJsonSchemaDefs(VIEW_SCHEMAS, {
    target: "draft-2020-12",
    errorMode: "ignore",
    overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [
      name,
      (CLOSED_COMPONENTS.includes(name) ? closeObjects(schema) : schema) as JsonSchema,
    ]),
  );
}

export function openApiDocument(): Record<string, unknown> {
  return buildOpenApiDocument(viewJsonSchemas());
}

/** The file's text: two-space JSON, the shape Biome keeps. */
export const renderOpenApi = (): string => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_PATH, renderOpenApi());
  console.log(`wrote ${path.relative(process.cwd(), OPENAPI_PATH)}`);
}
