/**
 * `npm start`: the whole service on the local cloud. The stack (emulators, the local FC runtime
 * running dist/ bundles, the queue trigger pump, the reconciler timer) lands with the end-to-end
 * issue; until then this says what it will run and exits non-zero, so no one mistakes it for a
 * working service.
 */
console.error(`npm start will run, on 127.0.0.1:
  - the HTTP API on port \${PORT:-9000} (submit and status functions from dist/, through a local FC gateway)
  - the ECS + STS simulator, the Tablestore emulator and the MNS emulator on free ports
  - the MNS queue trigger pump invoking the worker, and the reconciler timer
  - and print every address and a ready dev token.
The local stack is not built yet. Today: npm test, npm run build, npm run emulator -- <ecs|tablestore|mns> --port N.`);
process.exit(1);
