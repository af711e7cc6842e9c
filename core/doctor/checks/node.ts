import { defineCheck } from '../types.ts';

/** binfarm runs its TypeScript through tsx on Node 20.19+ (package.json engines). */
export const nodeCheck = defineCheck({
  id: 'node',
  title: 'Node.js',
  async run() {
    const v = process.versions.node;
    const [major = 0, minor = 0] = v.split('.').map(Number);
    if (major > 20 || (major === 20 && minor >= 19)) return { status: 'ok', summary: `Node ${v}` };
    return { status: 'fail', summary: `Node ${v} is too old`, hint: "Install Node 20.19 or newer (https://nodejs.org or your distribution's nodejs package)." };
  },
});
