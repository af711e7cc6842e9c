/** Child process for lock tests: takes the run lock of argv[2], says so, and holds it until killed. */
import { acquireRunLock } from '../../core/plan/lock.ts';

// Before saying "locked": the parent may send SIGTERM the moment it reads that line.
process.on('SIGTERM', () => process.exit(0));
const stateDir = process.argv[2]!;
await acquireRunLock(stateDir, { command: 'run hep-core', runId: 'holder' });
process.stdout.write('locked\n');
setInterval(() => {}, 1000);
