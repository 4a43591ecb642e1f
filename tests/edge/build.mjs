// Builds the edge worker (worker-build --release) if its output is missing or older than its sources.
// `cargo xtask test` runs this before the node tests; the tests call the same function themselves.
import { ensureBuilt } from './helper.mjs';

ensureBuilt();
console.log('edge worker build is up to date');
