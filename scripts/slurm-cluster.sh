#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the Slurm test (as root; see docs in README).
#   scripts/slurm-cluster.sh start STATE_DIR   → starts munged, slurmctld, slurmd; waits until idle
#   scripts/slurm-cluster.sh stop STATE_DIR    → stops exactly the daemons it started (by pid)
set -euo pipefail
cmd=${1:?start|stop}
state=${2:?state dir}
mkdir -p "$state"
case "$cmd" in
start)
  host=$(hostname -s)
  mkdir -p /etc/munge /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /etc/slurm
  if [ ! -s /etc/munge/munge.key ]; then
    head -c 1024 /dev/urandom > /etc/munge/munge.key
  fi
  chown munge:munge /etc/munge/munge.key /run/munge
  chmod 400 /etc/munge/munge.key
  if ! pgrep -x munged >/dev/null; then
    rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    runuser -u munge -- munged
    # munged daemonises; its own pid file names the daemon (not the parent that exited).
    for _ in $(seq 1 20); do [ -s /run/munge/munged.pid ] && break; sleep 0.2; done
    cp /run/munge/munged.pid "$state/munged.pid"
    munge -n | unmunge >/dev/null || { echo "munged is not answering" >&2; exit 1; }
  fi
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=n2s
SlurmctldHost=$host
SlurmUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
SchedulerType=sched/backfill
MpiDefault=none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  slurmctld -D > "$state/slurmctld.log" 2>&1 &
  echo $! > "$state/slurmctld.pid"
  slurmd -D > "$state/slurmd.log" 2>&1 &
  echo $! > "$state/slurmd.pid"
  for _ in $(seq 1 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE 'idle|mixed'; then
      echo "slurm up on $host"
      exit 0
    fi
    sleep 1
  done
  echo "slurm did not come up; logs:" >&2
  tail -n 20 "$state/slurmctld.log" "$state/slurmd.log" >&2
  exit 1
  ;;
stop)
  for d in slurmd slurmctld munged; do
    if [ -s "$state/$d.pid" ]; then
      kill "$(cat "$state/$d.pid")" 2>/dev/null || true
      rm -f "$state/$d.pid"
    fi
  done
  ;;
*) echo "usage: $0 start|stop STATE_DIR" >&2; exit 2 ;;
esac
