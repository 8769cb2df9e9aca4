/**
 * Setup of every file under test/unit (vitest.config.ts, project "unit"): a unit test runs in
 * memory, so starting a child process (esbuild, the `s` CLI, a built bundle) or opening a socket
 * (an HTTP server, an emulator, a request) throws instead of quietly making it an integration test.
 * Such a test belongs in test/integration (SDK against an emulator, esbuild, the `s` CLI) or
 * test/e2e (the stack). Patched on the modules themselves, so named imports see it too.
 */
import childProcess from "node:child_process";
import { syncBuiltinESMExports } from "node:module";
import net from "node:net";

function refuse(what: string): () => never {
  return () => {
    throw new Error(`a unit test ${what}: unit tests stay in memory; move it to test/integration`);
  };
}

const CHILD_PROCESS = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"] as const;
for (const name of CHILD_PROCESS) {
  Object.defineProperty(childProcess, name, { value: refuse(`starts a child process (${name})`) });
}
net.Server.prototype.listen = refuse("listens on a socket");
net.Socket.prototype.connect = refuse("opens a socket");
syncBuiltinESMExports();
