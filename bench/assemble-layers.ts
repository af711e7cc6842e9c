/**
 * How layering rules share between images assembled from one binhost (docs/assemble.md#direct,
 * "Layers"): no engine, a model. A binhost of P packages with heavy-tailed sizes; I images, each
 * a common core plus its own random picks, merged in one global order (dependencies first, as
 * emerge orders them). A layer's content is identified by the set of packages in it (the same
 * packages give the same bytes, core/assemble/direct/layer-tar.ts). For each rule it prints:
 *   layers       layers of one image, and layers the engine applies for all images assembled one
 *                after the other into one engine (each ~0.1–0.15 s, bench/RESULTS.md)
 *   registry     bytes stored for all images (blobs are shared by digest, wherever they are)
 *   engine       bytes stored for all images by the engine (a layer is shared only with the same
 *                layers below it: Docker keys layers by chain id)
 *   add one      layers that differ when an image is assembled again with one more small package
 *   node --import=tsx bench/assemble-layers.ts [--packages 400] [--images 10] [--core 120] [--extra 60] [--seed 1]
 */
import { layerGroups, OWN_LAYER_BYTES } from '../core/assemble/direct/layer-groups.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const P = arg('packages', 400);
const I = arg('images', 10);
const CORE = arg('core', 120);
const EXTRA = arg('extra', 60);
let seed = arg('seed', 1);
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

interface Pkg {
  name: string;
  bytes: number;
  order: number;
}
// sizes: most packages small, a few very large (log-uniform from 20 KiB to 400 MiB)
const binhost: Pkg[] = Array.from({ length: P }, (_, i) => ({
  name: `cat-${i % 17}/pkg${String(i).padStart(4, '0')}`,
  bytes: Math.round(20480 * Math.pow(20000, random() ** 3)),
  order: i,
}));
const core = binhost.slice(0, CORE);
const images: Pkg[][] = Array.from({ length: I }, () => {
  const picked = new Set(core);
  const extra = Math.round(EXTRA * (0.5 + random()));
  while (picked.size < CORE + extra) picked.add(binhost[CORE + Math.floor(random() * (P - CORE))]!);
  return [...picked].sort((a, b) => a.order - b.order);
});

type Rule = (pkgs: Pkg[]) => Pkg[][];
const rules: Array<[string, Rule]> = [
  ['one layer per package', (ps) => ps.map((p) => [p])],
  ['16 equal consecutive groups', (ps) => chunks(ps, Math.ceil(ps.length / 16))],
  ['8 hash buckets of cat/pn', buckets],
  ['binfarm: own layers ≥ 4 MiB (≤ 7) + 8 buckets', (ps) => layerGroups(ps, 1, (p) => p)],
];

console.log(
  `${P} packages (${binhost.filter((p) => p.bytes >= OWN_LAYER_BYTES).length} of ≥ 4 MiB), ${I} images of ${CORE} common + ${EXTRA / 2}–${EXTRA * 1.5} own picks`,
);
for (const [name, rule] of rules) {
  const registry = new Map<string, number>();
  const engine = new Map<string, number>();
  let newLayers = 0;
  for (const img of images) {
    const groups = rule(img);
    newLayers += groups.length;
    let chain = 'from';
    for (const g of groups) {
      const id = g.map((p) => p.name).join(',');
      const size = g.reduce((s, p) => s + p.bytes, 0);
      registry.set(id, size);
      chain = `${chain}|${id}`;
      engine.set(chain, size);
    }
  }
  // the first image again with one more small package (a request grew, a new dependency): which layers change
  const img = images[0]!;
  const added = binhost.find((p) => p.bytes < OWN_LAYER_BYTES && p.order >= CORE + 20 && !img.includes(p))!;
  const before = rule(img).map(idOf);
  const after = rule([...img, added].sort((x, y) => x.order - y.order)).map(idOf);
  const changed = after.filter((id) => !before.includes(id)).length;
  const firstChanged = after.findIndex((id) => !before.includes(id));
  const gib = (m: Map<string, number>) => ([...m.values()].reduce((s, b) => s + b, 0) / 1073741824).toFixed(2);
  console.log(
    `  ${name.padEnd(46)} layers/image ${(newLayers / I).toFixed(1).padStart(6)}, applied for all ${String(engine.size).padStart(5)}   registry ${gib(registry)} GiB   engine ${gib(engine)} GiB   ` +
      `add one: ${changed} new layer${changed === 1 ? '' : 's'} (engine re-applies ${firstChanged < 0 ? 0 : after.length - firstChanged} from there up)`,
  );
}
const alone = images.reduce((s, img) => s + img.reduce((t, p) => t + p.bytes, 0), 0);
console.log(`  (no sharing at all: ${(alone / 1073741824).toFixed(2)} GiB)`);

function idOf(g: Pkg[]): string {
  return g.map((p) => p.name).join(',');
}
function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
function buckets(ps: Pkg[]): Pkg[][] {
  return layerGroups(
    ps.map((p) => ({ ...p, bytes: 0 })),
    1,
    (p) => p,
  ).map((g) => g.map((p) => ps.find((q) => q.name === p.name)!));
}
