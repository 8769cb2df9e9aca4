/**
 * s.domain.yaml (docs/deploy.md, "One API host"): s.yaml's four functions plus one fc3-domain
 * resource, resolved with the real `s` CLI offline as s-yaml.test.ts does. Its props are checked
 * against the fc3-domain component's schema (devsapp/fc3-domain `src/schema.json` at commit e5288e8,
 * committed as test/fixtures/fc3-domain-schema.json), and its routes against the route table: each
 * route of shared/http/routes.ts reaches the function that serves it, by FC's matching rules
 * (local/fc/custom-domain.ts), and the domain takes no method on no path the table does not serve.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DomainRoute, domainPathOf, matchDomainRoute } from "../../../local/fc/custom-domain";
import { createSYamlResolver, type SYamlResolver } from "../../../local/fc/s-yaml";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
} from "../../../local/identities";
import { CONSOLE_PATH_PREFIX } from "../../../shared/http/console-pages";
import { ROUTES } from "../../../shared/http/routes";

/** The console's page and files (shared/http/console-pages), as domain paths. */
const CONSOLE_DOMAIN_PATHS = ["/", CONSOLE_PATH_PREFIX.slice(0, -1), `${CONSOLE_PATH_PREFIX}*`];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const S_DOMAIN_YAML = path.join(root, "s.domain.yaml");
const SCHEMA_PATH = path.join(root, "test/fixtures/fc3-domain-schema.json");
const SCHEMA_SHA256 = "3dd5c41d4a0d825573f85ef284a3f19cdae755883130009f3be9743c44bcde8b";

const DEPLOY_ENV = {
  JWT_JWKS_URL: "https://id.example.com/.well-known/jwks.json",
  JWT_ISSUER: "https://id.example.com/",
  JWT_AUDIENCE: "image-pipeline-requests",
  CUSTOM_DOMAIN: "api.example.com",
  CUSTOM_DOMAIN_CERT_ID: "12345678",
};

const schemaText = readFileSync(SCHEMA_PATH, "utf8");
const validateDomainProps = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(schemaText));

let resolver: SYamlResolver;
let props: Record<string, Record<string, unknown>>;
const routesOfDomain = () =>
  (props["api-domain"]?.routeConfig as { routes: DomainRoute[] } | undefined)?.routes ?? [];
const functionNameOf = (resource: string) => String(props[resource]?.functionName);

beforeAll(async () => {
  resolver = await createSYamlResolver(
    {
      accessKeyId: LOCAL_ACCESS_KEY_ID,
      accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
      accountId: LOCAL_SERVICE_ACCOUNT_ID,
    },
    S_DOMAIN_YAML,
  );
  const result = await resolver.resolve(DEPLOY_ENV);
  if (!result.ok) throw new Error(`s could not resolve s.domain.yaml:\n${result.output}`);
  props = result.props;
}, 60_000);

afterAll(async () => {
  await resolver?.close();
});

describe("s.domain.yaml", () => {
  it("deploys s.yaml's four functions and one custom domain", () => {
    expect(Object.keys(props).sort()).toEqual(["api-domain", "reconciler", "status", "submit", "worker"]);
  });

  it("is valid against the fc3-domain schema (the committed copy is the one named)", () => {
    expect(createHash("sha256").update(schemaText).digest("hex")).toBe(SCHEMA_SHA256);
    const ok = validateDomainProps(props["api-domain"]);
    expect(validateDomainProps.errors ?? [], JSON.stringify(validateDomainProps.errors)).toEqual([]);
    expect(ok).toBe(true);
  });

  it("serves the domain of CUSTOM_DOMAIN over HTTPS only, with its certificate, in the functions' region", () => {
    expect(props["api-domain"]).toMatchObject({
      region: props.submit?.region,
      domainName: "api.example.com",
      protocol: "HTTPS",
      certConfig: { certId: "12345678" },
      authConfig: { authType: "anonymous" },
    });
  });

  it.each(ROUTES.map((route) => [route.method, route.path, route.function] as const))(
    "routes %s %s to the %s function",
    (method, routePath, fn) => {
      const sample = routePath.replace(/\{\w+\}/g, "01JD0000000000000000000001");
      const route = matchDomainRoute(routesOfDomain(), method, sample);
      expect(route?.functionName).toBe(functionNameOf(fn));
      expect(route?.qualifier).toBe("LATEST");
    },
  );

  it.each(["/", "/console", "/console/app-ABCDEFGH.js"])(
    "routes GET %s (the web console) to the status function",
    (sample) => {
      const route = matchDomainRoute(routesOfDomain(), "GET", sample);
      expect(route?.functionName).toBe(functionNameOf("status"));
    },
  );

  it("takes no method on no path that the route table or the console does not serve there", () => {
    const served = new Set([
      ...ROUTES.map((route) => `${route.method} ${domainPathOf(route.path)}`),
      ...CONSOLE_DOMAIN_PATHS.map((path) => `GET ${path}`),
    ]);
    for (const route of routesOfDomain()) {
      expect(route.methods?.length, route.path).toBeGreaterThan(0);
      for (const method of route.methods ?? [])
        expect(served, `${method} ${route.path}`).toContain(`${method} ${route.path}`);
    }
  });

  it("refuses to resolve without CUSTOM_DOMAIN (s.yaml alone deploys without a domain)", async () => {
    const { CUSTOM_DOMAIN: _omitted, ...rest } = DEPLOY_ENV;
    const result = await resolver.resolve(rest);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.output).toContain("CUSTOM_DOMAIN");
  });
});

describe("custom domain matching (FC's documented rules)", () => {
  const routes: DomainRoute[] = [
    { path: "/a", functionName: "exact-a", methods: ["GET"] },
    { path: "/a", functionName: "exact-a-post", methods: ["POST"] },
    { path: "/a/*", functionName: "wild-a" },
    { path: "/a/b/*", functionName: "wild-ab" },
  ];
  it.each([
    ["GET", "/a", "exact-a"],
    ["post", "/a", "exact-a-post"],
    ["DELETE", "/a", undefined],
    ["GET", "/a/x", "wild-a"],
    ["GET", "/a/b/c", "wild-ab"],
    ["GET", "/a/", "wild-a"],
    ["GET", "/ab", undefined],
    ["GET", "/b", undefined],
  ])("%s %s -> %s", (method, p, fn) => {
    expect(matchDomainRoute(routes, method, p)?.functionName).toBe(fn);
  });

  it("turns a route-table path into its domain path", () => {
    expect(domainPathOf("/v1/pipelines")).toBe("/v1/pipelines");
    expect(domainPathOf("/v1/pipelines/{id}")).toBe("/v1/pipelines/*");
    expect(domainPathOf("/v1/pipelines:validate")).toBe("/v1/pipelines:validate");
  });
});
