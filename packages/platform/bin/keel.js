#!/usr/bin/env node
// The `keel` command. It runs the bundled CLI (one file, fast to load; see scripts/bundle.mjs).
import { main } from '../dist/keel.mjs';

main(process.argv).then((code) => {
  process.exitCode = code;
});
