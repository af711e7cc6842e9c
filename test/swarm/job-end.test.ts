/**
 * A job's end report (core/executor/swarm/job-end.ts): its body, and when it ends runJob's wait:
 * only a status 0 together with the job's last line in the followed log.
 */
import test from 'ava';
import { parseJobEnd, reportedEnd, type JobEndReport } from '../../core/executor/swarm/job-end.ts';
import { JOB_DONE_LINE } from '../../core/executor/swarm/job-script.ts';

const settled = async (p: Promise<void>) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))]);

test('the body is the exit status, 0-255', (t) => {
  t.deepEqual(parseJobEnd('0\n'), { status: 0 });
  t.deepEqual(parseJobEnd(' 75 '), { status: 75 });
  for (const bad of ['', '256', '-1', '1.0', '0 1', 'done']) t.is(parseJobEnd(bad), undefined, bad);
});

test('status 0 ends the wait only once the last line came, in either order', async (t) => {
  let report!: (r: JobEndReport) => void;
  const first = reportedEnd(new Promise((r) => (report = r)), JOB_DONE_LINE);
  first.line('binfarm-job: uploaded Packages (477 bytes)');
  report({ status: 0 });
  t.false(await settled(first.ended), 'the report alone: lines may still be on their way');
  first.line('binfarm-job: done');
  t.true(await settled(first.ended));

  const second = reportedEnd(Promise.resolve({ status: 0 }), JOB_DONE_LINE);
  second.line('binfarm-job: done');
  t.true(await settled(second.ended), 'the line first, then the report');
});

test('a failure report, or the line without any report, never ends the wait: the task decides', async (t) => {
  const failed = reportedEnd(Promise.resolve({ status: 1 }), JOB_DONE_LINE);
  failed.line('binfarm-job: done: emerge failed with status 1 (0 uploads failed)');
  failed.line('binfarm-job: done');
  t.false(await settled(failed.ended));
  const silent = reportedEnd(new Promise(() => undefined), JOB_DONE_LINE);
  silent.line('binfarm-job: done');
  t.false(await settled(silent.ended));
});
