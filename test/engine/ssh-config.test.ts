/**
 * The OpenSSH client configuration of an ssh:// engine (core/engine/ssh-config.ts), read from
 * real files: Host and Match blocks, first value wins, IdentityFile adding up, Include, tokens,
 * and the errors that name the file and line; and resolveConnection taking host, port and user
 * from it with the URL winning. test/engine/remote-ssh.test.ts logs in to a real sshd through an
 * alias of ~/.ssh/config.
 */
import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSshHostConfig, type SshConfigSource } from '../../core/engine/ssh-config.ts';
import { resolveConnection } from '../../core/engine/connect.ts';
import { BinfarmError } from '../../core/errors.ts';
import { tempDir } from './helpers.ts';

async function configs(t: Parameters<typeof tempDir>[0], user: string, system = ''): Promise<SshConfigSource> {
  const home = await tempDir(t);
  await mkdir(join(home, '.ssh'));
  await writeFile(join(home, '.ssh', 'config'), user);
  await writeFile(join(home, 'ssh_config'), system);
  return { userConfig: join(home, '.ssh', 'config'), systemConfig: join(home, 'ssh_config'), home, localUser: 'alice' };
}

test('a Host block that matches gives host name, user, port and keys; the first value wins and IdentityFile adds up', async (t) => {
  const src = await configs(
    t,
    [
      '# comment',
      'ConnectTimeout 7',
      'Host build?  !build9',
      '  HostName 10.0.0.%h-x',
      '  User=builder',
      '  Port = 2200',
      '  IdentityFile ~/.ssh/build_%r@%h:%p',
      'Host *',
      '  User nobody',
      '  Port 22',
      '  IdentityFile "%d/with space"',
      '  UserKnownHostsFile ~/.ssh/kh1 %d/kh2',
      '  HostKeyAlias farm-builders # trailing comment',
    ].join('\n'),
    'Host *\n  GlobalKnownHostsFile none\n  User root\n',
  );
  const c = readSshHostConfig('build1', src);
  t.is(c.hostName, '10.0.0.build1-x');
  t.is(c.user, 'builder');
  t.is(c.port, 2200);
  t.deepEqual(c.identityFiles, [join(src.home, '.ssh/build_builder@10.0.0.build1-x:2200'), join(src.home, 'with space')]);
  t.deepEqual(c.userKnownHostsFiles, [join(src.home, '.ssh/kh1'), join(src.home, 'kh2')]);
  t.deepEqual(c.globalKnownHostsFiles, []);
  t.is(c.hostKeyAlias, 'farm-builders');
  t.is(c.connectTimeoutSeconds, 7);
  // A negated pattern excludes the host from the block; the URL's user and port win over the files.
  const nine = readSshHostConfig('build9', src, { user: 'me', port: 2022 });
  t.is(nine.hostName, 'build9');
  t.is(nine.user, 'me');
  t.is(nine.port, 2022);
  t.deepEqual(nine.identityFiles, [join(src.home, 'with space')]);
  // Nothing configured: the host itself, the local user, port 22, no keys named.
  const none = readSshHostConfig('other', await configs(t, ''));
  t.deepEqual({ ...none }, { hostName: 'other', user: 'alice', port: 22, identityFiles: [] });
});

test('Match blocks apply with host, originalhost, user and localuser; one with exec never applies; Include reads patterns below ~/.ssh', async (t) => {
  const src = await configs(
    t,
    [
      'Host alias',
      '  HostName real.example',
      'Match exec "true" host real.example',
      '  Port 1111',
      'Match host real.example !localuser bob',
      '  Port 2222',
      'Match originalhost alias,other user alice',
      '  IdentityFile /keys/a',
      'Match all',
      '  Include conf.d/*.conf',
    ].join('\n'),
  );
  await mkdir(join(src.home, '.ssh', 'conf.d'));
  await writeFile(join(src.home, '.ssh', 'conf.d', 'b.conf'), 'IdentityFile /keys/b\n');
  await writeFile(join(src.home, '.ssh', 'conf.d', 'a.conf'), 'User carol\nIdentityFile /keys/c\n');
  await writeFile(join(src.home, '.ssh', 'conf.d', 'a.conf.bak'), 'User mallory\n');
  const c = readSshHostConfig('alias', src);
  t.is(c.port, 2222);
  t.is(c.user, 'carol', 'a.conf before b.conf, not the .bak');
  t.deepEqual(c.identityFiles, ['/keys/a', '/keys/c', '/keys/b']);
});

test('a bad value or token is an error naming the file and line; ProxyJump and ProxyCommand are reported where they are set', async (t) => {
  const bad = await configs(t, 'Host *\n  Port twenty\n');
  const e = t.throws(() => readSshHostConfig('h', bad), { instanceOf: BinfarmError });
  t.is(e.code, 'E_DOCKER_UNREACHABLE');
  t.is(e.message, `SSH client configuration ${bad.userConfig} line 2: Port "twenty" is not a port number (1-65535)`);
  const token = await configs(t, 'IdentityFile ~/.ssh/%C\n');
  t.regex(t.throws(() => readSshHostConfig('h', token)).message, /line 1: "~\/\.ssh\/%C" holds %C, a token binfarm does not expand/);
  const loop = await configs(t, 'Include config\n');
  t.regex(t.throws(() => readSshHostConfig('h', loop)).message, /Include nests deeper than 16 files/);
  const jump = await configs(t, 'Host near\n  ProxyJump none\nHost far\n  ProxyJump gw.example\n', 'ProxyCommand nc %h %p\n');
  t.deepEqual(readSshHostConfig('far', jump).proxy, { keyword: 'ProxyJump', value: 'gw.example', where: `${jump.userConfig} line 4` });
  t.is(readSshHostConfig('near', jump).proxy, undefined, '`none` as the first value turns it off');
  t.deepEqual(readSshHostConfig('x', jump).proxy, { keyword: 'ProxyCommand', value: 'nc %h %p', where: `${jump.systemConfig} line 1` });
});

test('resolveConnection: an alias of ~/.ssh/config names the host, port and user the engine is reached at; a ProxyJump is refused', async (t) => {
  const { home, userConfig } = await configs(t, 'Host builder\n  HostName 10.1.2.3\n  Port 2222\n  User root\nHost hidden\n  ProxyJump gw\n');
  const c = resolveConnection({ host: 'ssh://builder' }, { HOME: home, USER: 'alice' });
  t.is(c.display, 'ssh://root@builder:2222 (10.1.2.3)');
  t.like(c.options, { host: '10.1.2.3', port: 2222 });
  t.is(resolveConnection({ host: 'ssh://me@builder:22' }, { HOME: home, USER: 'alice' }).display, 'ssh://me@builder (10.1.2.3)');
  const e = t.throws(() => resolveConnection({ host: 'ssh://hidden' }, { HOME: home, USER: 'alice' }), { instanceOf: BinfarmError });
  t.is(e.message, `the Docker engine at ssh://alice@hidden: ${userConfig} line 6 sets ProxyJump gw, and binfarm's SSH transport connects directly`);
  t.regex(e.hint ?? '', /tunnel/);
});
