/**
 * `--data DIR` for the simulator: `DIR/ecs.json` (pipelines, finished ClientTokens, STS sessions)
 * and the journal `DIR/ecs.journal` of every change since (local/journal.ts). The simulator awaits
 * {@link EcsPersistence.durable} before it answers (or drops the connection after a commit), so a
 * pipeline, its ClientToken or a session that was answered survives `kill -9`.
 */
import { Journal } from "../journal";
import type { IdentityDirectory, StsSession } from "./identity";
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
  // Sessions are made inside IdentityDirectory.assumeRole; its addSession is where each one lands.
  const addSession = identities.addSession.bind(identities);
  identities.addSession = (session: StsSession) => {
    addSession(session);
    journal.append({ kind: "session", session } satisfies EcsChange);
  };
  return { durable: () => journal.durable(), close: () => journal.close() };
}
