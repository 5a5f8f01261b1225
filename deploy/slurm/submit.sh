#!/usr/bin/env bash
# Submits a sharded job and its merge in one go (the merge waits for every array task with afterok) and prints the
# two job ids. Extra sbatch options (partition, account, time) go in SBATCH_* environment variables or $SUBMIT_OPTS.
#
#   deploy/slurm/submit.sh dataset N INSTANCES IMAGES OUT [build options]
#   deploy/slurm/submit.sh bench N OUT BENCH [bench options]        (merged figures in intercog-bench-merge-JOB.out)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() { echo "usage: $0 dataset N INSTANCES IMAGES OUT [build options] | bench N OUT BENCH [bench options]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
kind=$1 n=$2
shift 2
[[ $n =~ ^[1-9][0-9]*$ ]] || usage
read -r -a extra <<<"${SUBMIT_OPTS:-}"
case $kind in
  dataset) [[ $# -ge 3 ]] || usage; out=$3; array="$here/dataset-build.sbatch"; merge=("$here/dataset-merge.sbatch" "$out") ;;
  bench)   [[ $# -ge 2 ]] || usage; out=$1; array="$here/bench.sbatch"; merge=("$here/bench-merge.sbatch" "$out") ;;
  *) usage ;;
esac
job=$(sbatch --parsable "${extra[@]}" --array="0-$((n - 1))" "$array" "$@")
job=${job%%;*}
merge_job=$(sbatch --parsable "${extra[@]}" --dependency="afterok:$job" "${merge[@]}")
echo "array job $job ($n tasks), merge job ${merge_job%%;*} (after all succeed)"
