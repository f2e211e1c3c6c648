/**
 * The deploy target of chaos installations: Tollgate's real `command` target driving a small
 * shell script that stands in for a deploy tool (helm, kubectl). The script logs every call it
 * receives and fails on purpose according to its fault:
 *   none           never fails
 *   flaky          3 of every 10 calls exit 75, which the target is told is transient (retried)
 *   down           every call except rollback exits 75 (transient, but it never recovers)
 *   broken-canary  (per release) a version containing "broken" crash-loops from 50 % traffic:
 *                  exit 3, a permanent failure
 * `flaky` follows a fixed schedule rather than a coin: with a true 30 % coin, five failed attempts
 * in a row (0.24 % per operation) would make the scenario fail at random.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type TargetFault = 'none' | 'flaky' | 'down';

/** Exit code the target treats as "try again". */
const TRANSIENT_EXIT = 75;

const SCRIPT = `#!/bin/sh
# <calls-dir> <fault> <op> <version> <weight> <key>
dir=$1 fault=$2 op=$3 version=$4 weight=$5 key=$6
mkdir -p "$dir"
n=$(( $(cat "$dir/count" 2>/dev/null || echo 0) + 1 ))
echo $n > "$dir/count"
fail() { echo "$n $op $key $1" >> "$dir/calls.log"; echo "$2" >&2; exit $1; }
# Long enough that a worker can be killed while a call runs.
sleep 0.2
case $fault in
  flaky) case $((n % 10)) in 2|5|8) fail ${TRANSIENT_EXIT} "registry timed out (transient)";; esac;;
  down) [ "$op" != rollback ] && fail ${TRANSIENT_EXIT} "registry unreachable (transient)";;
esac
case $version in *broken*)
  [ "$op" = setWeight ] && [ "$weight" -ge 50 ] && fail 3 "canary pods crash-loop (permanent)";;
esac
echo "$n $op $key 0" >> "$dir/calls.log"
`;

/** Writes the script into `dir` and returns the command target config of `stage`. */
export async function chaosTarget(
  dir: string,
  stage: string,
  fault: TargetFault,
): Promise<Record<string, unknown>> {
  const script = path.join(dir, 'deploy-tool.sh');
  await writeFile(script, SCRIPT);
  await chmod(script, 0o755);
  const calls = path.join(dir, 'calls', stage);
  const op = (name: string, version = '{version}', weight = '{weight}') => [
    script,
    calls,
    fault,
    name,
    version,
    weight,
    '{key}',
  ];
  return {
    type: 'command',
    operations: {
      deploy: op('deploy'),
      setWeight: op('setWeight'),
      promote: op('promote'),
      // A first deploy has no version to restore, so rollback gets no {version}.
      rollback: op('rollback', '-', '100'),
    },
    retryableExitCodes: [TRANSIENT_EXIT],
  };
}

export interface ToolCall {
  n: number;
  op: string;
  key: string;
  exit: number;
}

/** Every call the deploy tool of `stage` received, in order. */
export async function toolCalls(dir: string, stage: string): Promise<ToolCall[]> {
  const text = await readFile(path.join(dir, 'calls', stage, 'calls.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [n, op, key, exit] = line.split(' ');
      return { n: Number(n), op: op!, key: key!, exit: Number(exit) };
    });
}
