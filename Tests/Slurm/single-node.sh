#!/usr/bin/env bash
# Starts a real one-machine Slurm cluster (munge, slurmctld and slurmd on this host) for the
# cluster tests (`make test-slurm`), installing Debian's slurm-wlm and munge when missing.
# Needs root (or sudo). Idempotent: a cluster already up is left as it is.
#   Tests/Slurm/single-node.sh          start it (prints sinfo)
#   Tests/Slurm/single-node.sh stop     stop it
set -eu
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

if [ "${1:-}" = stop ]; then
    $SUDO pkill -x slurmd || true
    $SUDO pkill -x slurmctld || true
    exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "installing slurm-wlm and munge"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

host=$(hostname -s)
cores=$(nproc)
$SUDO mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
# One node, one partition; requeue allowed; 30 s between SIGTERM and SIGKILL for checkpoints.
$SUDO tee /etc/slurm/slurm.conf >/dev/null <<CONF
ClusterName=kplab-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
JobRequeue=1
KillWait=30
MinJobAge=600
NodeName=$host CPUs=$cores State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
[ -f /etc/munge/munge.key ] || $SUDO /usr/sbin/mungekey -c
$SUDO chown munge:munge /etc/munge/munge.key /run/munge
$SUDO chmod 400 /etc/munge/munge.key
pgrep -x munged >/dev/null || $SUDO su -s /bin/sh munge -c /usr/sbin/munged
pgrep -x slurmctld >/dev/null || $SUDO /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || $SUDO /usr/sbin/slurmd
for _ in $(seq 30); do
    sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mixed|allocated' && break
    sleep 1
done
sinfo
