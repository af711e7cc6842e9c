import { definePackageSets } from 'binfarm';
import { NO_TMPFS } from '../env-files.ts';
import { defineLayer, TESTING } from '../types.ts';

/**
 * L5 serving: what a small group runs as services (docs/internals/hep-layers.md#serving): a reverse proxy, a WSGI
 * server and framework, PostgreSQL, a cache, ZeroMQ messaging, the XRootD data server and
 * node.js. It needs only the base; celery is gone from ::gentoo (install it with pip).
 */
export const serving = defineLayer({
  name: 'serving',
  parent: 'base',
  description: 'services: nginx, gunicorn + flask, PostgreSQL 17, redis, ZeroMQ, the XRootD server, node.js',
  variants: ['headless'],
  variantNote: 'services run without a display',
  packageSets: () =>
    definePackageSets({
      'serving-web': {
        'www-servers/nginx': {},
        'www-servers/gunicorn': {},
        'dev-python/flask': {},
      },
      'serving-db': {
        // `llvm` (JIT) would pull clang and llvm; `threads` and `libressl` are gone
        'dev-db/postgresql:17': { use: ['server', 'ssl', 'icu', 'lz4', 'zstd', 'readline', 'nls', 'pam', 'uuid', 'xml', 'python', '-llvm'] },
        'dev-db/redis': {},
      },
      'serving-mq': {
        'net-libs/zeromq': { use: ['drafts'] },
        'net-libs/cppzmq': {},
        'dev-python/pyzmq': {},
      },
      'serving-hep': {
        // the only HEP-specific server: serves ROOT files, also over HTTP
        'net-libs/xrootd': { use: ['server', 'http'], accept_keywords: TESTING },
      },
      'serving-frontend': {
        'net-libs/nodejs': { env: [NO_TMPFS] },
      },
    }),
  smoke: (ctx) => [
    { name: 'nginx', cmd: ['nginx', '-v'] },
    { name: 'psql', cmd: ['psql', '--version'], expect: /PostgreSQL\)? 17/ },
    { name: 'redis', cmd: ['redis-server', '--version'], expect: /Redis server/ },
    { name: 'gunicorn', cmd: ['gunicorn', '--version'], expect: /gunicorn/ },
    { name: 'xrootd', cmd: ['xrootd-config', '--version'], expect: /\d+\.\d+/ },
    { name: 'node', cmd: ['node', '--version'], expect: /^v\d+\./ },
    { name: `web stack for ${ctx.python}`, cmd: [ctx.python, '-c', 'import flask, zmq; print("serving-python-ok")'], expect: /serving-python-ok/ },
  ],
});
