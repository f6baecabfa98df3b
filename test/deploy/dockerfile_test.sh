#!/usr/bin/env bash
# Usage: dockerfile_test.sh STEWARD_BIN
# The Dockerfile, checked by reading it (no Docker engine here) against the built binary:
#  - two stages, debian:bookworm to build and debian:bookworm-slim to run;
#  - the runtime stage copies only the steward binary, to /steward;
#  - ENTRYPOINT is exactly ["/steward"], USER is numeric and not root, no HEALTHCHECK (it would need
#    a shell or curl in the image), CMD (if any) in exec form, EXPOSE the ports the Deployment uses;
#  - the packages the runtime stage installs are exactly the Debian packages owning the shared
#    libraries `ldd` lists for the binary (dpkg -S), less those debian:bookworm-slim already has,
#    plus ca-certificates (data, not a library: the CA bundle for API servers whose kubeconfig
#    names no CA).
# What bookworm-slim has: libc6, libgcc-s1 and libstdc++6, among others. Assumed, not looked at in
# an image here: they are in docker-library/repo-info's package list of debian:bookworm-slim
# (repos/debian/local/bookworm-slim.md), and every Debian image has apt, which depends on all
# three; this test checks that dependency on this machine's apt. No other library is assumed
# present: zlib1g, for one, is in the image too, but would be installed explicitly if steward
# linked it.
set -u
steward=$1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
repo=$(cd "$(dirname "$0")/../.." && pwd)
dockerfile=${DOCKERFILE:-$repo/Dockerfile}
base_image_packages=(libc6 libgcc-s1 libstdc++6)
extra_packages=(ca-certificates)

# Instructions, one a line: comments dropped, continuation lines joined.
instructions=$(grep -v '^[[:space:]]*#' "$dockerfile" | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' |
               grep -v '^[[:space:]]*$')
froms=$(grep -ci '^FROM ' <<<"$instructions")
[ "$froms" -eq 2 ] || fail "want 2 stages (build, runtime), found $froms"
grep -iq '^FROM debian:bookworm AS build$' <<<"$instructions" ||
  fail "the first stage is not 'FROM debian:bookworm AS build'"
runtime=$(awk 'toupper($1) == "FROM" {stage = ""} {stage = stage $0 "\n"} END {printf "%s", stage}' \
            <<<"$instructions")
head -n 1 <<<"$runtime" | grep -iq '^FROM debian:bookworm-slim$' ||
  fail "the runtime stage is not 'FROM debian:bookworm-slim': $(head -n 1 <<<"$runtime")"

# The runtime stage's files: the binary, nothing else.
copies=$(grep -iE '^(COPY|ADD) ' <<<"$runtime")
[ "$copies" = "COPY --from=build /build/bin/steward /steward" ] ||
  fail "the runtime stage should copy only /build/bin/steward to /steward: $copies"
grep -q -- '-B /build ' <<<"$instructions" && grep -q -- '--target steward' <<<"$instructions" ||
  fail "the build stage does not build target steward in /build"
[[ $steward == */bin/steward ]] || fail "the binary is not at <build>/bin/steward: $steward"

entrypoint=$(grep -i '^ENTRYPOINT ' <<<"$runtime" | sed 's/^ENTRYPOINT[[:space:]]*//I')
[ "$entrypoint" = '["/steward"]' ] || fail "ENTRYPOINT is '$entrypoint', want [\"/steward\"]"
user=$(grep -i '^USER ' <<<"$runtime" | tail -n 1 | awk '{print $2}')
[[ $user =~ ^[0-9]+(:[0-9]+)?$ ]] || fail "USER '$user' is not numeric (uid or uid:gid)"
[[ ${user%%:*} != 0 ]] || fail "USER is root"
grep -iE '^HEALTHCHECK ' <<<"$runtime" | grep -viq '^HEALTHCHECK NONE$' &&
  fail "a HEALTHCHECK needs a shell or curl in the image; Kubernetes probes HTTP instead"
grep -iq '^SHELL ' <<<"$runtime" && fail "the runtime stage sets a SHELL"
cmd=$(grep -i '^CMD ' <<<"$runtime" | sed 's/^CMD[[:space:]]*//I')
[ -z "$cmd" ] || [[ $cmd == \[* ]] || fail "CMD is in shell form: $cmd"
exposed=" $(grep -i '^EXPOSE ' <<<"$runtime" | sed 's/^EXPOSE//I' | xargs) "
for port in 8080 8081; do
  [[ $exposed == *" $port "* ]] || fail "EXPOSE lacks $port"
done

# What the runtime stage installs: the words after `apt-get install` that are not options.
mapfile -t installed < <(grep -i '^RUN ' <<<"$runtime" | grep -o 'apt-get install[^&;]*' |
                         sed 's/^apt-get install//' | tr ' ' '\n' | grep -v '^-' | grep . | sort -u)
[ ${#installed[@]} -gt 0 ] || fail "the runtime stage installs no packages"

# What the binary needs: the package owning each library ldd resolves (dpkg knows /usr/lib after
# the /usr merge, so the real path is tried when the link path is unknown).
ldd_out=$(ldd "$steward") || fail "ldd $steward failed"
grep -q 'not found' <<<"$ldd_out" && fail "ldd: a library is not found: $(grep 'not found' <<<"$ldd_out")"
needed=()
while read -r lib; do
  owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(realpath "$lib")" 2>/dev/null)
  pkg=${owner%%:*}
  if [ -z "$owner" ]; then
    fail "$lib (needed by steward) belongs to no Debian package"
    continue
  fi
  # A sanitizer build of the tests (scripts/test --asan) links the sanitizer runtimes; the image is
  # a plain Release build and never does.
  case $pkg in libasan[0-9]* | libubsan[0-9]* | libtsan[0-9]* | liblsan[0-9]*)
    echo "skipped $lib: $pkg (a sanitizer runtime)"; continue ;;
  esac
  echo "needs $lib: $pkg"
  needed+=("$pkg")
done < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$ldd_out")
mapfile -t needed < <(printf '%s\n' "${needed[@]}" | sort -u)
[ ${#needed[@]} -gt 0 ] || fail "found no library packages for steward"

# The base image's share, and why it may be assumed.
apt_depends=$(dpkg-query -W -f='${Depends}\n' apt 2>/dev/null | tr ',' '\n' | sed 's/^ *//; s/[ :].*//')
for pkg in "${base_image_packages[@]}"; do
  grep -qxF "$pkg" <<<"$apt_depends" ||
    fail "apt does not depend on $pkg here: is it still in debian:bookworm-slim?"
done

want=()
for pkg in "${needed[@]}"; do
  printf '%s\n' "${base_image_packages[@]}" | grep -qxF "$pkg" || want+=("$pkg")
done
for pkg in "${want[@]}"; do
  printf '%s\n' "${installed[@]}" | grep -qxF "$pkg" ||
    fail "steward needs $pkg, which the runtime stage does not install"
done
for pkg in "${installed[@]}"; do
  printf '%s\n' "${want[@]}" "${extra_packages[@]}" | grep -qxF "$pkg" ||
    fail "the runtime stage installs $pkg, which steward does not need"
done
echo "runtime stage installs: ${installed[*]}"
echo "libraries' packages: ${needed[*]} (from the base image: ${base_image_packages[*]})"

[ $failures -eq 0 ] && echo "dockerfile: all checks passed"
exit $((failures > 0))
