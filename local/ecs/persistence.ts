/**
 * `--data DIR` for the simulator: `DIR/ecs.json` (pipelines, finished ClientTokens, STS sessions)
 * and the journal `DIR/ecs.journal` of every change since (local/journal.ts). The simulator awaits
 * {@link EcsPersistence.durable} before it answers (or drops the connection after a commit), so a
 * pipeline, its ClientToken or a session that was answered survives `kill -9`.
 */
import { Journal } from "../journal";
import type { IdentityDirectory } from "./identity";
import type { EcsChange, PipelineStore, Snapshot } from "./store";

export interface EcsPersistence {
  /** Resolves once every change so far is on disk. */
  durable(): Promise<void>;
  /** Compacts the journal into the snapshot and closes it. */
  close(): Promise<void>;
}

function replay(store: PipelineStore, identities: IdentityDirectory, change: EcsChange): void {
  switch (change.kind) {
    case "pipeline":
      store.add(change.pipeline, change.fingerprint);
      return;
    case "deletePipeline":
      store.delete(change.imagePipelineId);
      return;
    case "session":
      identities.addSession(change.session);
      return;
    case "reset":
      store.reset();
      identities.clearSessions();
      return;
  }
}

export async function openEcsPersistence(
  dataDir: string,
  store: PipelineStore,
  identities: IdentityDirectory,
): Promise<EcsPersistence> {
  const journal = await Journal.open(
    { dir: dataDir, name: "ecs", snapshot: () => store.toSnapshot(identities.listSessions()) },
    ({ snapshot, changes }) => {
      if (snapshot)
        for (const session of store.loadSnapshot(snapshot as unknown as Snapshot))
          identities.addSession(session);
      for (const change of changes) replay(store, identities, change as EcsChange);
    },
  );
  store.onChange = (change) => journal.append(change);
  // A session is made inside IdentityDirectory.assumeRole (by the shared RAM model); every one it
  // hands out is journaled, and replay puts it back with addSession.
  const assumeRole = identities.assumeRole.bind(identities);
  identities.assumeRole = (...args: Parameters<IdentityDirectory["assumeRole"]>) => {
    const assumed = assumeRole(...args);
    if (assumed.ok) journal.append({ kind: "session", session: assumed.value.session } satisfies EcsChange);
    return assumed;
  };
  return { durable: () => journal.durable(), close: () => journal.close() };
}
