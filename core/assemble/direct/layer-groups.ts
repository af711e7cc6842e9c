/**
 * One layer per package, so that images assembled from one binhost share each package's layer in
 * the engine and the registry. overlay2 refuses images deeper than 128 layers (and an image built
 * FROM an assembly adds its own), so past MAX_LAYERS in all, consecutive packages share a layer:
 * the fewest groups of equal size that fit. Grouping is a function of the package count only,
 * so the same inputs give the same layers.
 */
export const MAX_LAYERS = 100;

export function layerGroups<T>(packages: T[], baseLayers: number): T[][] {
  const room = Math.max(1, MAX_LAYERS - baseLayers - 1); // -1: the assembly's own last layer
  const size = Math.max(1, Math.ceil(packages.length / room));
  const out: T[][] = [];
  for (let i = 0; i < packages.length; i += size) out.push(packages.slice(i, i + size));
  return out;
}
