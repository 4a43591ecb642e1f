// Builds the edge worker (worker-build --release) if its output is missing or older than its sources, then checks
// its size against the budget (`WORKER_BUDGET_KB`; `--budget N` for another, in KB).
// `cargo xtask test` runs this before the node tests; the tests call the same build function themselves.
import { WORKER_BUDGET_KB, ensureBuilt, overWorkerBudget, workerSizes } from './helper.mjs';

const at = process.argv.indexOf('--budget');
const budget = at < 0 ? WORKER_BUDGET_KB : Number(process.argv[at + 1]);
if (!Number.isFinite(budget) || budget <= 0) {
  console.error(`--budget takes a size in KB, not ${process.argv[at + 1]}`);
  process.exit(2);
}
ensureBuilt();
const sizes = workerSizes();
const over = overWorkerBudget(sizes, budget);
if (over) {
  console.error(`error: ${over}`);
  process.exit(1);
}
const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
console.log(`edge worker build is up to date: ${(total / 1024).toFixed(1)} KB gzip, within its ${budget} KB budget`);
