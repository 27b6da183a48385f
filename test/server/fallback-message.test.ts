import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type FallbackFacts,
  fallbackCause,
  fallbackMessage,
  kernelTooOld,
} from '../../src/server/fallback-message.js';

const bufRingEinval = 'io_uring_register_buf_ring returned EINVAL (kernel 5.19+ needed)';
const facts = (reason: string, kernelRelease: string, ioUringDisabled: number | null): FallbackFacts => ({
  reason,
  kernelRelease,
  ioUringDisabled,
});

describe('the io_uring fallback message', () => {
  test('kernel releases are compared with 5.19 by major and minor', () => {
    assert.equal(kernelTooOld('5.10.0-46-amd64'), true);
    assert.equal(kernelTooOld('5.18.19'), true);
    assert.equal(kernelTooOld('4.19.0-27-amd64'), true);
    assert.equal(kernelTooOld('5.19.0'), false);
    assert.equal(kernelTooOld('6.1.0-57-amd64'), false);
    assert.equal(kernelTooOld('6.18.44-fc-v1045'), false);
    assert.equal(kernelTooOld('unknown'), false);
  });

  test('an old kernel is told the version it needs, with no seccomp or sysctl advice', () => {
    // Debian 11's 5.10 (the kernel matrix's line shows the real one), and a kernel without io_uring.
    for (const [reason, kernel] of [
      [bufRingEinval, '5.10.0-46-amd64'],
      ['io_uring_setup returned ENOSYS', '4.19.0-27-amd64'],
      ['kernel io_uring lacks opcode 27', '5.4.0'],
      ['io_uring_setup returned EPERM', '5.15.0'],
    ]) {
      const message = fallbackMessage(facts(reason, kernel, null));
      assert.equal(fallbackCause(facts(reason, kernel, null)), 'old-kernel', reason);
      assert.ok(message.startsWith(`io_uring unavailable (${reason}); serving on epoll.`), message);
      assert.match(
        message,
        new RegExp(`Old kernel: Linux ${kernel} is older than 5\\.19.*Linux 5\\.19 or newer`),
      );
      assert.doesNotMatch(message, /seccomp|sysctl|io_uring_disabled/);
    }
  });

  test('ENOSYS or EPERM from io_uring_setup on a new kernel: seccomp, naming the sysctl as ruled out', () => {
    for (const reason of [
      'io_uring_setup returned ENOSYS',
      'io_uring_setup returned EPERM',
      'io_uring_setup returned ENOSYS (forced by FKVS_TEST_IO_URING_SETUP_ERROR)',
    ]) {
      const message = fallbackMessage(facts(reason, '6.18.44', 0));
      assert.match(
        message,
        /Blocked by a seccomp filter.*kernel\.io_uring_disabled is 0, so not that/,
        message,
      );
      assert.match(message, /--security-opt seccomp=deploy\/seccomp-io-uring\.json/);
      assert.doesNotMatch(message, /Old kernel|sysctl -w/);
    }
    assert.match(
      fallbackMessage(facts('io_uring_setup returned EPERM', '6.1.0-57-amd64', null)),
      /seccomp.*this kernel has no kernel\.io_uring_disabled sysctl/,
    );
  });

  test('a non-zero kernel.io_uring_disabled is named as the cause, with the sysctl fix only', () => {
    for (const value of [1, 2]) {
      const message = fallbackMessage(facts('io_uring_setup returned EPERM', '6.6.0', value));
      assert.equal(fallbackCause(facts('io_uring_setup returned EPERM', '6.6.0', value)), 'sysctl');
      assert.match(message, new RegExp(`Blocked by sysctl kernel\\.io_uring_disabled=${value}.*sysctl -w`));
      assert.doesNotMatch(message, /seccomp|Old kernel/);
    }
  });

  test('ENOMEM names the locked-memory limit; a build without liburing says how to rebuild', () => {
    const memlock = fallbackMessage(facts('io_uring_register_buf_ring returned ENOMEM', '6.1.0', 0));
    assert.match(memlock, /locked-memory limit.*ulimit -l/);
    assert.doesNotMatch(memlock, /seccomp|Old kernel|sysctl -w/);
    const noLiburing =
      'this build has no io_uring support (liburing-dev was not installed when the addon was built)';
    for (const kernel of ['6.18.44', '5.10.0-46-amd64']) {
      const message = fallbackMessage(facts(noLiburing, kernel, 0));
      assert.match(message, /install liburing-dev and rebuild/);
      assert.doesNotMatch(message, /seccomp|Old kernel|sysctl -w/);
    }
  });

  test('a failure with no known cause gives the reason and the kernel, and no advice', () => {
    const message = fallbackMessage(facts('io_uring_register_eventfd returned EINVAL', '6.12.0', 0));
    assert.equal(
      message,
      'io_uring unavailable (io_uring_register_eventfd returned EINVAL); serving on epoll. (Linux 6.12.0.)',
    );
  });
});
