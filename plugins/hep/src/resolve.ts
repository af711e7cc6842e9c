import { atomKey, BinfarmError, type AtomSpec, type PackageSets, type SubjectSpec } from 'binfarm';
import { NO_TMPFS, NO_TMPFS_CONF } from './env-files.ts';
import { LAYERS } from './layers/index.ts';
import type { HepOptions } from './options.ts';
import { checkPackageRules, optionViolation, ruleError, type RuleViolation } from './rules.ts';
import { CONTEXT_MOUNT, LAYER_NAMES, type LayerContext, type LayerName, type Variant } from './types.ts';
import { viewFromSets } from './use-view.ts';

/** What the options turn into: the chosen layers, their variants and their subject specs. */
export interface HepResolution {
  /** Chosen layers with their ancestors, parents before children. */
  layers: LayerName[];
  variants: Record<LayerName, Variant>;
  parents: Record<LayerName, LayerName | 'base'>;
  subjects: Record<string, SubjectSpec>;
}

/**
 * Resolves the options: variants, the layer closure, each layer's package sets (with the
 * extra atoms merged in) and subject spec; then checks every rule. All violations are
 * reported at once as one E_SUBJECT error.
 */
export function resolveHep(options: HepOptions, contributedBy = 'hep'): HepResolution {
  const violations: RuleViolation[] = [];

  const variants = {} as Record<LayerName, Variant>;
  for (const name of LAYER_NAMES) {
    const layer = LAYERS[name];
    const asked = options.variants[name];
    if (asked && !layer.variants.includes(asked)) {
      violations.push(
        optionViolation(
          'layer-variant',
          name,
          `layer "${name}" has no ${asked} variant (it has ${layer.variants.join(', ')})${layer.variantNote ? `: ${layer.variantNote}` : ''}`,
        ),
      );
    }
    const wanted = asked ?? options.variant;
    variants[name] = layer.variants.includes(wanted) ? wanted : layer.variants[0]!;
  }

  const parents = {} as Record<LayerName, LayerName | 'base'>;
  for (const name of LAYER_NAMES) parents[name] = LAYERS[name].parent;
  if (options.devToolsParent === 'dev-tools') {
    throw new BinfarmError('E_CONFIG_INVALID', 'hep option "devToolsParent": dev-tools cannot stand on itself', { hint: 'Use "base" or another layer.' });
  }
  parents['dev-tools'] = options.devToolsParent;

  const contexts = {} as Record<LayerName, LayerContext>;
  const python = options.pythonTarget.replace(/^python(\d+)_(\d+)$/, 'python$1.$2');
  for (const name of LAYER_NAMES) {
    contexts[name] = {
      layer: name,
      variant: variants[name],
      graphics: variants[name] === 'graphics',
      variantOf: (l) => variants[l],
      options,
      python,
      contextPath: (rel) => `${CONTEXT_MOUNT}/${rel}`,
    };
  }

  // the closure: chosen layers and their ancestors, in LAYER_NAMES order (parents first)
  const chosen = new Set<LayerName>(options.layers ?? LAYER_NAMES.filter((n) => LAYERS[n].available?.(contexts[n]) ?? true));
  for (const name of [...chosen]) for (let p = parents[name]; p !== 'base'; p = parents[p]) chosen.add(p);
  const layers = topological(LAYER_NAMES.filter((n) => chosen.has(n)), parents);

  const chainOf = (name: LayerName): LayerName[] => {
    const chain: LayerName[] = [];
    for (let cur: LayerName | 'base' = name; cur !== 'base'; cur = parents[cur]) chain.unshift(cur);
    return chain;
  };

  // one PYTHON_SINGLE_TARGET for all chosen layers, accepted by every package that limits it
  const limits = layers.flatMap((l) => (LAYERS[l].python ? [{ layer: l, ...LAYERS[l].python }] : []));
  const bad = limits.filter((l) => !l.targets.includes(options.pythonTarget));
  if (bad.length) {
    const ok = limits.reduce<string[]>((acc, l) => acc.filter((t) => l.targets.includes(t)), [...limits[0]!.targets]);
    violations.push(
      optionViolation(
        'python-target',
        bad[0]!.layer,
        `pythonTarget "${options.pythonTarget}" is not accepted by ${bad.map((b) => `${b.limitedBy} (layer ${b.layer} accepts ${b.targets.join(', ')})`).join(' and ')}; the chosen layers can share ${ok.length ? ok.join(' or ') : 'no target'}`,
      ),
    );
  }

  const sets = {} as Record<LayerName, PackageSets>;
  for (const name of layers) sets[name] = withExtras(name, LAYERS[name].packageSets(contexts[name]), options.extraAtoms[name] ?? {});

  const seen = new Set<string>();
  for (const name of layers) {
    const view = viewFromSets(name, chainOf(name).map((l) => sets[l]));
    for (const v of checkPackageRules(view)) {
      // report a broken rule once, in the topmost layer that breaks it
      const id = `${v.rule}\0${v.message}`;
      if (!seen.has(id)) violations.push(v);
      seen.add(id);
    }
  }
  if (violations.length) throw ruleError(violations);

  const subjects: Record<string, SubjectSpec> = {};
  for (const name of layers) {
    const ctx = contexts[name];
    subjects[name] = {
      parent: parents[name],
      description: LAYERS[name].description,
      sets: sets[name],
      portage: {
        // one Python for every layer, so the binary packages fit together
        makeConf: { PYTHON_SINGLE_TARGET: `-* ${options.pythonTarget}`, PYTHON_TARGETS: `-* ${options.pythonTarget}` },
        // the plugin brings its env file, so it works in any farm
        files: { [`env/${NO_TMPFS}`]: NO_TMPFS_CONF },
      },
      overlays: [...options.overlays],
      context: options.context,
      smoke: LAYERS[name].smoke(ctx),
      labels: { 'binfarm.hep.layer': name, 'binfarm.hep.variant': ctx.variant, 'binfarm.hep.python': options.pythonTarget },
      contributedBy,
    };
  }
  return { layers, variants, parents, subjects };
}

/** Parents before children (dev-tools may stand on any layer). */
function topological(names: LayerName[], parents: Record<LayerName, LayerName | 'base'>): LayerName[] {
  const out: LayerName[] = [];
  const visit = (n: LayerName) => {
    if (out.includes(n)) return;
    const p = parents[n];
    if (p !== 'base') visit(p);
    out.push(n);
  };
  names.forEach(visit);
  return out;
}

/**
 * Extra atoms of a layer: merged into the layer's atom of the same cat/pn (lists appended, so a
 * later `-flag` wins), or added to the set `<layer>-extra`.
 */
function withExtras(layer: LayerName, sets: PackageSets, extras: Record<string, AtomSpec>): PackageSets {
  const out: PackageSets = structuredClone(sets);
  for (const [atom, extra] of Object.entries(extras)) {
    const key = atomKey(atom);
    let target: AtomSpec | undefined;
    for (const atoms of Object.values(out)) {
      const hit = Object.keys(atoms).find((a) => atomKey(a) === key);
      if (hit) {
        target = atoms[hit] ??= {};
        break;
      }
    }
    if (!target) {
      (out[`${layer}-extra`] ??= {})[atom] = structuredClone(extra);
      continue;
    }
    for (const k of ['use', 'accept_keywords', 'license', 'env'] as const) {
      if (extra[k]) target[k] = k === 'use' ? [...(target.use ?? []), ...extra.use!] : [...new Set([...(target[k] ?? []), ...extra[k]!])];
    }
    if (extra.mask !== undefined) target.mask = extra.mask;
    if (extra.unmask !== undefined) target.unmask = extra.unmask;
    if (extra.patches) target.patches = { ...target.patches, ...extra.patches };
  }
  return out;
}
