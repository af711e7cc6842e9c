#!/bin/sh
# binfarm smoke test of the mc-sim layer: Geant4 answers, and every data set it was built
# against (geant[data]) is installed where geant4-config says.
set -eu
version=$(geant4-config --version)
datasets=$(geant4-config --datasets)
if [ -z "$datasets" ]; then
	echo "geant4-config --datasets lists nothing: Geant4 was built without its data (USE=-data?)" >&2
	exit 1
fi
# lines: <name> <environment variable> <directory>
echo "$datasets" | {
	missing=0
	while read -r name var dir; do
		if [ ! -d "$dir" ]; then
			echo "data set $name ($var) is missing: $dir" >&2
			missing=$((missing + 1))
		fi
	done
	exit "$missing"
}
count=$(echo "$datasets" | wc -l)
echo "geant4-data-ok Geant4 $version, $count data sets"
