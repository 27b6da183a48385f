#!/usr/bin/env node
// Writes deploy/seccomp-io-uring.json: the container runtime's default seccomp profile plus one rule
// that allows the three io_uring syscalls, nothing else. Docker's and podman's default profiles
// leave io_uring out (io_uring_setup then fails with ENOSYS under podman, EPERM under Docker), and
// seccomp=unconfined would drop every other rule too.
//
//   node scripts/gen-seccomp-profile.mjs [default-profile] [output]
//   node scripts/gen-seccomp-profile.mjs --check [default-profile] [output]   (exit 1 when stale)
//
// The default profile is podman's (/usr/share/containers/seccomp.json, from the containers-common
// package; golang-github-containers-common on Debian). Docker's is moby's profiles/seccomp/default.json;
// both use the same format, so either can be given.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const ioUringSyscalls = ['io_uring_setup', 'io_uring_enter', 'io_uring_register'];
const defaultSource = '/usr/share/containers/seccomp.json';
const defaultOutput = new URL('../deploy/seccomp-io-uring.json', import.meta.url).pathname;

const args = process.argv.slice(2);
const check = args[0] === '--check';
if (check) args.shift();
const [source = defaultSource, output = defaultOutput] = args;

let profile;
try {
  profile = JSON.parse(readFileSync(source, 'utf8'));
} catch (error) {
  fail(`cannot read the default seccomp profile '${source}': ${error.message}
Install podman (its containers-common package ships ${defaultSource}) or pass the path of
Docker's default profile (moby profiles/seccomp/default.json).`);
}
if (!Array.isArray(profile.syscalls) || typeof profile.defaultAction !== 'string') {
  fail(`'${source}' is not a seccomp profile (no defaultAction and syscalls list)`);
}

// Any earlier rule naming io_uring (a deny, in some versions) would conflict with the allow rule.
const syscalls = [];
for (const rule of profile.syscalls) {
  const names = (rule.names ?? []).filter((name) => !ioUringSyscalls.includes(name));
  if (names.length > 0 || rule.names === undefined) syscalls.push({ ...rule, ...(rule.names && { names }) });
}
syscalls.push({
  names: ioUringSyscalls,
  action: 'SCMP_ACT_ALLOW',
  args: [],
  comment: 'fkvs: io_uring network I/O; added by scripts/gen-seccomp-profile.mjs',
  includes: {},
  excludes: {},
});
const text = `${JSON.stringify({ ...profile, syscalls }, null, '\t')}\n`;

if (check) {
  const current = existsSync(output) ? readFileSync(output, 'utf8') : '';
  if (current !== text) fail(`${output} is stale for ${source}: run node scripts/gen-seccomp-profile.mjs`);
  console.log(`${output} is up to date with ${source}`);
} else {
  writeFileSync(output, text);
  console.log(`wrote ${output}: ${source} plus ${ioUringSyscalls.join(', ')}`);
}

function fail(message) {
  console.error(`gen-seccomp-profile: ${message}`);
  process.exit(1);
}
