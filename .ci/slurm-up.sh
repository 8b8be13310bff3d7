#!/usr/bin/env bash
# Installs, configures and starts a single-node Slurm cluster (munge, slurmctld, slurmd from
# Debian's packages) for the Slurm backend's black-box tests. Idempotent: a running cluster is
# left alone. Needs root. Used by .ci/run and, by hand, on a development machine:
#   sudo .ci/slurm-up.sh && KEEL_TEST_SLURM=1 node scripts/run-tests.mjs slurm
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-up: must run as root" >&2
  exit 1
fi

missing=()
for pkg in munge slurmctld slurmd slurm-client; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== slurm-up: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
fi

# munge authenticates every Slurm message; the package creates the key, make sure it exists.
if [ ! -s /etc/munge/munge.key ]; then
  /usr/sbin/mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key
  chmod 600 /etc/munge/munge.key
fi
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  echo "== slurm-up: starting munged"
  runuser -u munge -- /usr/sbin/munged
fi

node_line="$(slurmd -C | head -n 1)"
node_name="$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$node_line")"
conf=/etc/slurm/slurm.conf
# Rewrite the configuration only when it is ours (or absent): never clobber a real cluster's.
if [ ! -f "$conf" ] || grep -q '^# keel single-node test cluster' "$conf"; then
  cat >"$conf.new" <<EOF
# keel single-node test cluster (written by .ci/slurm-up.sh)
ClusterName=keel
# Addresses are given, so nothing depends on the host name resolving.
SlurmctldHost=${node_name}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
# No cgroups in containers: track processes by parentage, no task confinement, no accounting.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# Finished jobs stay visible to squeue/scontrol for ten minutes.
MinJobAge=600
KillWait=10
${node_line} NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=${node_name} Default=YES MaxTime=INFINITE State=UP
EOF
  if ! cmp -s "$conf.new" "$conf"; then
    mv "$conf.new" "$conf"
    # A changed configuration needs restarted daemons.
    if [ -f /run/slurmctld.pid ]; then kill "$(cat /run/slurmctld.pid)" 2>/dev/null || true; fi
    if [ -f /run/slurmd.pid ]; then kill "$(cat /run/slurmd.pid)" 2>/dev/null || true; fi
    sleep 1
  else
    rm -f "$conf.new"
  fi
fi
install -d -m 0755 /var/spool/slurmctld /var/spool/slurmd /var/log/slurm

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if ! running /run/slurmctld.pid; then
  echo "== slurm-up: starting slurmctld"
  /usr/sbin/slurmctld
fi
if ! running /run/slurmd.pid; then
  echo "== slurm-up: starting slurmd"
  /usr/sbin/slurmd
fi

# Wait until the node accepts jobs.
for _ in $(seq 1 60); do
  state="$(sinfo -h -n "$node_name" -o '%T' 2>/dev/null || true)"
  case "$state" in
    idle* | mixed* | allocated*)
      echo "== slurm-up: node ${node_name} is ${state}"
      exit 0
      ;;
    down* | drain*)
      scontrol update NodeName="$node_name" State=RESUME 2>/dev/null || true
      ;;
  esac
  sleep 1
done
echo "slurm-up: node ${node_name} did not become ready (state '${state:-unknown}')" >&2
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
