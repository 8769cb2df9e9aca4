/**
 * `npm run emulator -- <ecs|tablestore|mns> --port N [--data DIR] [emulator flags]`
 *
 * Starts one emulator alone, prints `listening on http://127.0.0.1:PORT` when ready (the line the
 * local stack and scripts wait for) and stops cleanly on SIGINT, SIGTERM or SIGHUP (a second one
 * exits at once: with `--data`, every answered change is already on disk).
 */
import type { StartEmulator } from "./emulator-types";

const EMULATORS: Record<string, () => Promise<{ start: StartEmulator }>> = {
  ecs: () => import("./ecs/index"),
  tablestore: () => import("./tablestore/index"),
  mns: () => import("./mns/index"),
};

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run emulator -- <${Object.keys(EMULATORS).join("|")}> --port N [--data DIR]`,
  );
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || !(name in EMULATORS)) usage(name ? `unknown emulator "${name}"` : "which emulator?");
  let port = 0;
  let dataDir: string | undefined;
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === "--port") {
      port = Number(rest[++i]);
      if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be 0..65535`);
    } else if (flag === "--data") {
      dataDir = rest[++i];
      if (!dataDir) usage("--data needs a directory");
    } else if (flag !== undefined) {
      args.push(flag);
    }
  }
  const { start } = await EMULATORS[name]!();
  const running = await start({ port, dataDir, args });
  console.log(`listening on ${running.url}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
