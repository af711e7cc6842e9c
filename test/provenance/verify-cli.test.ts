import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/binfarm.js', import.meta.url).pathname;

test('binfarm verify without a key to check with is a usage error that says where keys come from', async (t) => {
  const nowhere = mkdtempSync(join(tmpdir(), 'binfarm-verify-nokey-'));
  const r = await execa('node', [BIN, '--cwd', nowhere, 'verify', 'registry.example.org/hep/core:1'], { reject: false });
  t.is(r.exitCode, 64);
  t.regex(r.stderr, /no key to check the signature with/);
  t.regex(r.stderr, /--key <file\.asc>/);
});
