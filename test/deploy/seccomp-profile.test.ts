import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

interface Rule {
  names: string[];
  action: string;
  args?: unknown[];
  includes?: Record<string, unknown>;
  excludes?: Record<string, unknown>;
}
interface Profile {
  defaultAction: string;
  syscalls: Rule[];
}

const ioUring = ['io_uring_setup', 'io_uring_enter', 'io_uring_register'];
const readProfile = (path: string): Profile => JSON.parse(readFileSync(path, 'utf8'));
const namingIoUring = (profile: Profile) =>
  profile.syscalls.filter((rule) => rule.names.some((name) => name.startsWith('io_uring')));

test('the shipped profile denies by default and allows the io_uring syscalls in one unconditional rule', () => {
  const profile = readProfile('deploy/seccomp-io-uring.json');
  assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
  assert.ok(profile.syscalls.length > 10, 'the default rules are there');
  const rules = namingIoUring(profile);
  assert.equal(rules.length, 1);
  assert.deepEqual(rules[0].names, ioUring);
  assert.equal(rules[0].action, 'SCMP_ACT_ALLOW');
  assert.deepEqual([rules[0].args, rules[0].includes, rules[0].excludes], [[], {}, {}]);
});

test('the generator adds only the io_uring rule, replacing any earlier io_uring rule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fkvs-seccomp-'));
  const source = join(dir, 'default.json');
  const output = join(dir, 'out.json');
  const kept: Rule = { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [] };
  writeFileSync(
    source,
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [kept, { names: ['io_uring_setup', 'kexec_load'], action: 'SCMP_ACT_ERRNO' }],
    }),
  );
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['scripts/gen-seccomp-profile.mjs', ...args]);
  assert.equal(run(source, output).status, 0);
  const profile = readProfile(output);
  assert.deepEqual(profile.syscalls.slice(0, 2), [kept, { names: ['kexec_load'], action: 'SCMP_ACT_ERRNO' }]);
  assert.equal(namingIoUring(profile).length, 1);
  assert.deepEqual(profile.syscalls[2].names, ioUring);
  assert.equal(run('--check', source, output).status, 0);
  writeFileSync(output, '{}');
  assert.equal(run('--check', source, output).status, 1);
  assert.equal(run(join(dir, 'missing.json'), output).status, 1);
});
