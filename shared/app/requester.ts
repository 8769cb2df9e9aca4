/**
 * Who is asking, as the use cases see it: the JWT subject and whether it holds `pipelines:admin`
 * (read and cancel every caller's records). The HTTP layer derives it from the verified token.
 */
import type { PipelineRecord } from "../domain/record";

export interface Requester {
  sub: string;
  isAdmin: boolean;
}

/** Another caller's record is invisible (404, never 403), unless the requester is an admin. */
export const canSee = (requester: Requester, record: Pick<PipelineRecord, "submittedBy">): boolean =>
  requester.isAdmin || record.submittedBy === requester.sub;
