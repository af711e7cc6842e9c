# binfarm HEP images: environment for login shells (sourced from /etc/profile).
# Gentoo installs ROOT and Geant4 under /usr, so nothing here is needed to build or run them;
# it only serves scripts and tutorials that still expect the classic variables.

# ROOTSYS: older build scripts and macros look for ${ROOTSYS}/include, ${ROOTSYS}/lib.
if [ -z "${ROOTSYS:-}" ] && command -v root-config >/dev/null 2>&1; then
	ROOTSYS=$(root-config --prefix)
	export ROOTSYS
fi

# Geant4: geant4.sh exports the data-set variables (G4LEDATA, G4ENSDFSTATEDATA, ...) that
# applications built outside the image's CMake setup still read.
if [ -r /usr/bin/geant4.sh ] && [ -z "${G4ENSDFSTATEDATA:-}" ]; then
	. /usr/bin/geant4.sh >/dev/null 2>&1 || :
fi

# Pythia 8 finds its XML settings through PYTHIA8DATA when an example is built by hand.
if [ -z "${PYTHIA8DATA:-}" ] && command -v pythia8-config >/dev/null 2>&1; then
	PYTHIA8DATA=$(pythia8-config --xmldoc 2>/dev/null) && export PYTHIA8DATA || unset PYTHIA8DATA
fi
