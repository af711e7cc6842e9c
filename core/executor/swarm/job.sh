# binfarm swarm job (core/executor/swarm/job-script.ts; docs/scale-out.md#the-upload-path).
# POSIX sh for BusyBox (ash, wget) and a Gentoo stage3 (bash or sh, GNU wget). Inputs:
#   BINFARM_JOB_URL         the job endpoint's base URL
#   BINFARM_JOB_ID          this job's id
#   BINFARM_JOB_TOKEN_FILE  the job's bearer token (default /run/secrets/binfarm-job-token, a swarm secret)
#   BINFARM_PKGDIR          PKGDIR to upload from (default: portageq envvar PKGDIR, else /var/cache/binpkgs)
# Downloads <url>/jobs/<id>/context.tar and unpacks it over /, runs `emerge` with the arguments
# of /binfarm-job/argv (one per line, taken literally: no eval, no word splitting; first those of
# /binfarm-job/argv.first when the context has it, the base's world update), then, whether
# emerge failed or not, uploads the build logs of failed packages (logs/<name>), every binpkg of
# PKGDIR (<path below PKGDIR>) but those the binhost of /binfarm-job/binhost already has (downloaded
# by getbinpkg), and last the Packages index, which is only sent when every binpkg arrived; then
# reports its exit status to <url>/jobs/<id>/end. Exits with emerge's status; 75 when emerge
# succeeded but an upload failed or the context could not be fetched; 78 when the job is
# misconfigured; 65 when a tree bound from the node (tree.nodePath) is not the snapshot binfarm
# planned with.
set -u

say() { printf 'binfarm-job: %s\n' "$1"; }
die() {
  printf 'binfarm-job: error: %s\n' "$2" >&2
  exit "$1"
}

[ -n "${BINFARM_JOB_URL:-}" ] || die 78 'BINFARM_JOB_URL is not set'
[ -n "${BINFARM_JOB_ID:-}" ] || die 78 'BINFARM_JOB_ID is not set'
token_file=${BINFARM_JOB_TOKEN_FILE:-/run/secrets/binfarm-job-token}
[ -r "$token_file" ] || die 78 "no job token at $token_file"
token=$(cat "$token_file") || die 78 "cannot read $token_file"
auth="Authorization: Bearer $token"
base="${BINFARM_JOB_URL%/}/jobs/$BINFARM_JOB_ID"
work=$(mktemp -d /tmp/binfarm-job.XXXXXX) || die 75 'cannot create a work directory under /tmp'
trap 'rm -rf "$work"' EXIT

# BusyBox wget (1.35) cuts a --post-file at its first NUL byte, so it uploads base64 text.
if wget --version 2>/dev/null | grep -q '^GNU Wget'; then
  gnu_wget=yes
  say 'transfers with GNU wget'
else
  gnu_wget=no
  say 'transfers with BusyBox wget (uploads as base64 text)'
fi

say "job $BINFARM_JOB_ID: fetching $base/context.tar"
if [ "$gnu_wget" = yes ]; then
  wget -nv -O "$work/context.tar" --header "$auth" "$base/context.tar" </dev/null || die 75 "could not download $base/context.tar"
else
  wget -q -O "$work/context.tar" --header "$auth" "$base/context.tar" </dev/null || die 75 "could not download $base/context.tar"
fi
tar -xf "$work/context.tar" -C / || die 75 'could not unpack the job context over /'
rm -f "$work/context.tar"
[ -f /binfarm-job/argv ] || die 78 'the job context has no /binfarm-job/argv'

# tree.nodePath: a repository bound from the node must be the snapshot binfarm planned with; the
# context holds binfarm's copy of its markers under /binfarm-job/tree-expect/<mount point>/ (node-trees.ts).
if [ -d /binfarm-job/tree-expect ]; then
  (cd /binfarm-job/tree-expect && find . -type f) >"$work/tree-expect"
  while IFS= read -r marker; do
    marker=${marker#./}
    if [ ! -f "/$marker" ]; then
      die 65 "the node's tree differs: /$marker is missing (tree.nodePath)"
    elif ! cmp -s "/binfarm-job/tree-expect/$marker" "/$marker"; then
      printf 'binfarm-job: node has    /%s: %s\n' "$marker" "$(head -c 200 "/$marker" | head -n 1)" >&2
      printf 'binfarm-job: binfarm has /%s: %s\n' "$marker" "$(head -c 200 "/binfarm-job/tree-expect/$marker" | head -n 1)" >&2
      die 65 "the node's tree differs: /$marker is not binfarm's (tree.nodePath)"
    fi
  done <"$work/tree-expect"
  say "the node's trees match binfarm's ($(wc -l <"$work/tree-expect" | tr -d ' ') markers)"
fi

# Runs emerge with the arguments of file $1 (one per line, taken literally); sets $status.
run_emerge() {
  argv_file=$1
  set --
  while IFS= read -r arg || [ -n "$arg" ]; do
    set -- "$@" "$arg"
  done <"$argv_file"
  for arg in "$@"; do say "argv: $arg"; done
  say 'running emerge'
  emerge "$@" </dev/null
  status=$?
  say "emerge exited with status $status"
}

status=0
# The base's world update comes first when asked (argv.first); the sets only when it succeeded.
[ -f /binfarm-job/argv.first ] && run_emerge /binfarm-job/argv.first
[ "$status" -eq 0 ] && run_emerge /binfarm-job/argv

# Portage's value of a variable, else a default ($1 variable, $2 default).
portage_var() {
  _v=$(portageq envvar "$1" 2>/dev/null </dev/null) || _v=
  if [ -n "$_v" ]; then printf '%s\n' "$_v"; else printf '%s\n' "$2"; fi
}
# portageq is a Python start-up in a stage3 (a second or so each): asked only for what is needed.
pkgdir=${BINFARM_PKGDIR:-$(portage_var PKGDIR /var/cache/binpkgs)}
pkgdir=${pkgdir%/}

upload_failures=0
# Uploads file $1 as $2 (a path relative to the job's incoming area).
upload() {
  if [ "$gnu_wget" = yes ]; then
    wget -nv -O /dev/null --header "$auth" --post-file "$1" "$base/upload/$2" </dev/null >"$work/wget.log" 2>&1
  else
    base64 "$1" >"$work/body.b64" </dev/null &&
      wget -q -O /dev/null --header "$auth" --header 'X-Binfarm-Body-Encoding: base64' --post-file "$work/body.b64" "$base/upload/$2" \
        </dev/null >"$work/wget.log" 2>&1
  fi
  _rc=$?
  rm -f "$work/body.b64"
  if [ "$_rc" -eq 0 ]; then
    say "uploaded $2 ($(wc -c <"$1" | tr -d ' ') bytes)"
    return 0
  fi
  printf 'binfarm-job: error: upload of %s failed:\n' "$2" >&2
  sed 's/^/binfarm-job:   /' "$work/wget.log" >&2
  upload_failures=$((upload_failures + 1))
  return 1
}

# Build logs of failed packages: Portage keeps the build directory ${PORTAGE_TMPDIR}/portage/<cat>/<pf>
# of a package that failed and removes it after a successful merge; its log is ${PORTAGE_LOGDIR}/<cat>:<pf>:<time>.log.
# emerge exits 0 only when no package failed (also with --keep-going): then there is none to look for.
if [ "$status" -ne 0 ]; then
  logdir=$(portage_var PORTAGE_LOGDIR /var/log/portage)
  logdir=${logdir%/}
  tmpdir=$(portage_var PORTAGE_TMPDIR /var/tmp)
  tmpdir=${tmpdir%/}
  for dir in "$tmpdir"/portage/*/*; do
    [ -d "$dir" ] || continue
    pf=${dir##*/}
    cat=${dir%/*}
    cat=${cat##*/}
    for log in "$logdir/$cat:$pf:"*.log "$logdir/$cat:$pf:"*.log.gz; do
      [ -f "$log" ] && upload "$log" "logs/${log##*/}"
    done
  done
fi

# The binhost's own binpkgs ("<PATH> <SIZE> <MD5>" of its index, /binfarm-job/binhost names it):
# one the job downloaded (getbinpkg keeps it in PKGDIR) is not sent back when its size and MD5 are
# the binhost's. binfarm checks every index entry of a file not uploaded against the partition
# (incoming.ts): this saves the transfer and trusts nothing.
: >"$work/binhost"
if [ -r /binfarm-job/binhost ] && IFS= read -r binhost_url </binfarm-job/binhost && [ -n "$binhost_url" ]; then
  if wget -q -O "$work/binhost.Packages" "${binhost_url%/}/Packages" </dev/null; then
    awk 'BEGIN { RS = ""; FS = "\n" }
      { p = ""; s = ""; m = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^PATH: /) p = substr($i, 7); else if ($i ~ /^SIZE: /) s = substr($i, 7); else if ($i ~ /^MD5: /) m = substr($i, 6)
        }
        if (p != "" && s != "" && m != "") print p " " s " " m }' "$work/binhost.Packages" >"$work/binhost"
  fi
fi
# Whether file $1 (path $2 below PKGDIR) is the binhost's binpkg of the same path, byte for byte.
on_binhost() {
  _known=$(awk -v p="$2" '$1 == p { print $2 " " $3; exit }' "$work/binhost")
  [ -n "$_known" ] || return 1
  _md5=$(md5sum <"$1") || return 1
  [ "$_known" = "$(wc -c <"$1" | tr -d ' ') ${_md5%% *}" ]
}

binpkg_failures=0
if [ -d "$pkgdir" ]; then
  find "$pkgdir" -type f -name '*.gpkg.tar' ! -name '.*' >"$work/binpkgs"
  say "uploading $(wc -l <"$work/binpkgs" | tr -d ' ') binpkgs from $pkgdir"
  while IFS= read -r file; do
    rel=${file#"$pkgdir"/}
    if [ -s "$work/binhost" ] && on_binhost "$file" "$rel"; then
      say "not uploading $rel: the binhost has it (downloaded)"
      continue
    fi
    upload "$file" "$rel" || binpkg_failures=$((binpkg_failures + 1))
  done <"$work/binpkgs"
  if [ "$binpkg_failures" -ne 0 ]; then
    say "error: the Packages index is not uploaded: $binpkg_failures binpkg uploads failed"
  elif [ -f "$pkgdir/Packages" ]; then
    upload "$pkgdir/Packages" Packages
  fi
else
  say "no PKGDIR at $pkgdir: nothing to upload"
fi

# The job's end, reported to binfarm after the last upload and the last line (job-end.ts): binfarm
# then need not wait for the task's state to reach the manager. A report that fails costs only that time.
finish() {
  wget -q -O /dev/null --header "$auth" --post-data "$1" "$base/end" </dev/null >/dev/null 2>&1
  exit "$1"
}

if [ "$status" -ne 0 ]; then
  say "done: emerge failed with status $status ($upload_failures uploads failed)"
  finish "$status"
fi
if [ "$upload_failures" -ne 0 ]; then
  say "done: $upload_failures uploads failed"
  finish 75
fi
say 'done'
finish 0
