#!/usr/bin/env node
// The `keel` command. It runs the bundled CLI (one file, fast to load; see scripts/bundle.mjs).
import { main } from '../dist/keel.mjs';

// A reader that stops early (`keel ... | head`) closes the pipe: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
