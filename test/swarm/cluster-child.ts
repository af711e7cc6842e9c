/**
 * Started by test/swarm/cluster.test.ts as a separate process: brings a swarm cluster up, prints
 * its tag and footprint as one JSON line, and waits to be killed (SIGKILL: no exit handler runs).
 */
import { startSwarmCluster } from '../helpers/swarm-cluster.ts';

const cluster = await startSwarmCluster();
const fp = cluster.footprint;
process.stdout.write(`${JSON.stringify({ ...fp, pids: [...fp.pids], shimSockets: [...fp.shimSockets] })}\n`);
setInterval(() => {}, 60_000);
