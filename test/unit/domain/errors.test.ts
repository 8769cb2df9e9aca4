import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DependencyError,
  ERROR_FIELD_LIMITS,
  errorFields,
  isOutageStatus,
  isServiceError,
  ServiceError,
} from "../../../shared/domain/errors";

class SampleError extends ServiceError {
  override readonly name = "SampleError";
}

describe("ServiceError", () => {
  it("carries code, transient, httpStatus and cause as typed fields", () => {
    const cause = new Error("socket hang up");
    const error = new SampleError("OTSServerBusy", "busy", { transient: true, httpStatus: 503, cause });
    expect(error).toBeInstanceOf(Error);
    expect(isServiceError(error)).toBe(true);
    expect(error).toMatchObject({ name: "SampleError", code: "OTSServerBusy", message: "busy" });
    expect(error.transient).toBe(true);
    expect(error.httpStatus).toBe(503);
    expect(error.cause).toBe(cause);
  });

  it("leaves httpStatus and cause absent when there are none", () => {
    const error = new ServiceError("InvalidCursor", "bad cursor", { transient: false });
    expect(error.name).toBe("ServiceError");
    expect(error.httpStatus).toBeUndefined();
    expect("cause" in error).toBe(false);
    expect(isServiceError(new Error("plain"))).toBe(false);
    expect(isServiceError({ code: "InvalidCursor" })).toBe(false);
  });
});

describe("DependencyError", () => {
  it("is a ServiceError whose httpStatus is the dependency's answer", () => {
    const error = new DependencyError("OTSServerBusy", "busy", { transient: true, httpStatus: 503 });
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.name).toBe("DependencyError");
  });

  it.each([
    [undefined, false],
    [0, true],
    [400, false],
    [404, false],
    [429, true],
    [500, true],
    [503, true],
  ])("counts status %s as an outage: %s", (status, outage) => {
    expect(isOutageStatus(status)).toBe(outage);
  });
});

describe("errorFields", () => {
  it("logs a ServiceError with its typed fields", () => {
    const error = new SampleError("QueueNotExist", "no queue", { transient: false, httpStatus: 404 });
    expect(errorFields(error)).toEqual({
      name: "SampleError",
      code: "QueueNotExist",
      message: "no queue",
      transient: false,
      httpStatus: 404,
    });
  });

  it("logs a foreign Error with the text code it carries, and anything else as its text", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    expect(errorFields(reset)).toEqual({ name: "Error", code: "ECONNRESET", message: "read ECONNRESET" });
    expect(errorFields(Object.assign(new TypeError("x"), { code: 7 }))).toEqual({
      name: "TypeError",
      message: "x",
    });
    expect(errorFields("boom")).toEqual({ message: "boom" });
    expect(errorFields(undefined)).toEqual({ message: "undefined" });
  });

  it("follows the cause chain", () => {
    const root = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const error = new SampleError("NetworkError", "MNS did not answer", {
      transient: true,
      httpStatus: 0,
      cause: root,
    });
    expect(errorFields(error)).toEqual({
      name: "SampleError",
      code: "NetworkError",
      message: "MNS did not answer",
      transient: true,
      httpStatus: 0,
      cause: { name: "Error", code: "ECONNREFUSED", message: "connect ECONNREFUSED" },
    });
  });

  it("is bounded: long messages are clipped, cause loops and long chains cut", () => {
    const long = new Error("x".repeat(ERROR_FIELD_LIMITS.messageChars * 5));
    const clipped = errorFields(long).message;
    expect(clipped.length).toBeLessThan(ERROR_FIELD_LIMITS.messageChars + 40);
    expect(clipped).toContain(`(${ERROR_FIELD_LIMITS.messageChars * 5} chars)`);

    const loop = new Error("a");
    const other = new Error("b", { cause: loop });
    Object.defineProperty(loop, "cause", { value: other });
    let depth = 0;
    for (let link = errorFields(loop).cause; link; link = link.cause) depth++;
    expect(depth).toBe(ERROR_FIELD_LIMITS.causeDepth);
    expect(JSON.stringify(errorFields(loop)).length).toBeLessThan(500);
  });
});

describe("the one error model", () => {
  const shared = path.resolve(import.meta.dirname, "../../../shared");
  const sources = (readdirSync(shared, { recursive: true }) as string[]).filter((file) =>
    file.endsWith(".ts"),
  );

  it("is the base of every error class in shared/ (no other class extends Error directly)", () => {
    expect(sources.length).toBeGreaterThan(50);
    const direct = sources.filter((file) =>
      /class \w+ extends Error\b/.test(readFileSync(path.join(shared, file), "utf8")),
    );
    expect(direct).toEqual(["domain/errors.ts"]);
  });
});
