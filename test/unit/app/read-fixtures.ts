/** A stored record for tests of the read, cancel and HTTP paths. */
import type { PipelineRecord } from "../../../shared/domain/record";

export function recordFixture(overrides: Partial<PipelineRecord> & { id: string }): PipelineRecord {
  return {
    status: "pending",
    accountId: "1000000000000001",
    regionId: "cn-hangzhou",
    batchId: null,
    submittedBy: "alice",
    clientToken: overrides.id,
    attempts: 0,
    createdAt: "2026-11-27T16:00:00.000Z",
    updatedAt: "2026-11-27T16:00:00.000Z",
    request: { RegionId: "cn-hangzhou", BaseImageType: "IMAGE", BaseImage: "img", Name: "n" },
    ...overrides,
  } as PipelineRecord;
}
