#!/usr/bin/env bash
# Builds the local control plane binaries from Go modules into a cache:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler (this module), kwok (go install).
# Skips anything already built. Prints the bin directory on the last line of stdout.
# Set KUBEBUILDER_ASSETS to a directory with prebuilt binaries to skip the build entirely.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$here/go.mod")"
ETCD_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' "$here/go.mod")"
KWOK_VERSION="${KWOK_VERSION:-v0.7.0}"
cache_root="${TIKV_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tikv-operator}"
bin="$cache_root/kube/$K8S_VERSION-etcd$ETCD_VERSION-kwok$KWOK_VERSION/bin"

log() { echo "[kube-build] $*" >&2; }

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    [[ -x "$KUBEBUILDER_ASSETS/$b" ]] || { log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $b"; exit 1; }
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
all_cached() { local b; for b in "${binaries[@]}"; do [[ -x "$bin/$b" ]] || return 1; done; }
if all_cached; then echo "$bin"; exit 0; fi # the common case: no Go, no lock needed

command -v go >/dev/null || { log "Go is required to build the control plane (or set KUBEBUILDER_ASSETS)"; exit 1; }
mkdir -p "$bin"
# Concurrent callers (parallel test runs, the dev command) would clobber each other's .tmp outputs: one builds,
# the others wait and then find everything cached.
if command -v flock >/dev/null; then
  exec 9>"$bin/../.build.lock"
  flock -n 9 || { log "another build is running, waiting for it"; flock 9; }
fi
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod"

# The apiserver reports this in /version and --version; kwok gates flags on it.
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
kube_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  kube_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done

build() { # name, package, ldflags
  local name="$1" pkg="$2" ldflags="$3"
  if [[ -x "$bin/$name" ]]; then log "$name: cached"; return; fi
  log "$name: building $pkg (cold builds take several minutes)"
  local start=$SECONDS
  (cd "$here" && go build -trimpath -tags "selinux,notest,grpcnotrace" -ldflags "$ldflags" -o "$bin/$name.tmp" "$pkg")
  mv "$bin/$name.tmp" "$bin/$name"
  log "$name: built in $((SECONDS - start))s"
}

build etcd go.etcd.io/etcd/server/v3 "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION"
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$kube_ldflags"
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$kube_ldflags"
build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$kube_ldflags"

if [[ -x "$bin/kwok" ]]; then
  log "kwok: cached"
else
  log "kwok: go install sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  start=$SECONDS
  GOBIN="$bin" go install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  log "kwok: built in $((SECONDS - start))s"
fi
echo "$bin"
