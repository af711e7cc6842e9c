#!/bin/sh
# binfarm smoke test of the mc-gen layer: compile, link and run a Pythia 8 program.
set -eu
here=$(dirname "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# pythia8-config prints the include and library flags of the installed Pythia
# shellcheck disable=SC2046
${CXX:-g++} -std=c++17 -O1 -o "$work/pythia-hello" "$here/pythia-hello.cc" $(pythia8-config --cxxflags --libs)
"$work/pythia-hello"
