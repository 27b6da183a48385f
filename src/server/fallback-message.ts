import { readFileSync } from 'node:fs';
import { release } from 'node:os';

/**
 * The oldest kernel the io_uring backend runs on: it registers a provided buffer ring
 * (io_uring_register_buf_ring, Linux 5.19), which native/uring_backend.cc requires.
 */
export const minIoUringKernel = { major: 5, minor: 19 } as const;

/** What the start-up line about a fallback is built from, read once at start-up. */
export interface FallbackFacts {
  /** Why the addon could not set io_uring up (Transport.fallbackReason). */
  reason: string;
  /** uname -r: "5.10.0-46-amd64". */
  kernelRelease: string;
  /** sysctl kernel.io_uring_disabled (Linux 6.6+), or null where the kernel has no such sysctl. */
  ioUringDisabled: number | null;
}

/** The likely cause of a fallback, which decides the advice given. */
export type FallbackCause = 'old-kernel' | 'sysctl' | 'seccomp' | 'memlock' | 'no-liburing' | 'unknown';

export function fallbackFacts(reason: string): FallbackFacts {
  let ioUringDisabled: number | null = null;
  try {
    ioUringDisabled = Number.parseInt(readFileSync('/proc/sys/kernel/io_uring_disabled', 'latin1'), 10);
  } catch {
    // Before Linux 6.6 there is no such sysctl.
  }
  return { reason, kernelRelease: release(), ioUringDisabled };
}

/** True when "5.10.0-46-amd64" is older than minIoUringKernel; false when unreadable. */
export function kernelTooOld(kernelRelease: string): boolean {
  const match = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (match === null) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return (
    major < minIoUringKernel.major || (major === minIoUringKernel.major && minor < minIoUringKernel.minor)
  );
}

export function fallbackCause(facts: FallbackFacts): FallbackCause {
  const { reason } = facts;
  if (reason.includes('no io_uring support')) return 'no-liburing';
  // On an old kernel nothing else matters: even unblocked, the features fkvs needs are missing.
  if (kernelTooOld(facts.kernelRelease)) return 'old-kernel';
  if (/\bENOMEM\b/.test(reason)) return 'memlock';
  // A refusal of io_uring_setup itself, on a kernel that has what fkvs needs: something blocks it.
  if (/io_uring_setup returned (ENOSYS|EPERM|EACCES)\b/.test(reason)) {
    return facts.ioUringDisabled !== null && facts.ioUringDisabled > 0 ? 'sysctl' : 'seccomp';
  }
  return 'unknown';
}

/** The one log line a fallback to epoll gives: the addon's reason, then the cause and its fix. */
export function fallbackMessage(facts: FallbackFacts): string {
  const min = `${minIoUringKernel.major}.${minIoUringKernel.minor}`;
  const head = `io_uring unavailable (${facts.reason}); serving on epoll.`;
  const sysctl =
    facts.ioUringDisabled === null
      ? 'this kernel has no kernel.io_uring_disabled sysctl'
      : `kernel.io_uring_disabled is ${facts.ioUringDisabled}`;
  switch (fallbackCause(facts)) {
    case 'old-kernel':
      return (
        `${head} Old kernel: Linux ${facts.kernelRelease} is older than ${min}, the oldest fkvs's io_uring ` +
        `backend runs on (it needs buffer rings). To use io_uring, run on Linux ${min} or newer.`
      );
    case 'sysctl':
      return (
        `${head} Blocked by sysctl kernel.io_uring_disabled=${facts.ioUringDisabled} (1: only members of ` +
        'kernel.io_uring_group, 2: no one). To use io_uring: on the host, sysctl -w kernel.io_uring_disabled=0'
      );
    case 'seccomp':
      return (
        `${head} Blocked by a seccomp filter (Docker's and podman's default profiles refuse io_uring; ` +
        `${sysctl}, so not that). To use io_uring: docker/podman run --security-opt ` +
        'seccomp=deploy/seccomp-io-uring.json (in the fkvs repo), or lift the filter that refuses io_uring_setup'
      );
    case 'memlock':
      return (
        `${head} The locked-memory limit is too small for the rings: raise it (ulimit -l, systemd ` +
        'LimitMEMLOCK=, docker/podman run --ulimit memlock=).'
      );
    case 'no-liburing':
      return `${head} To use io_uring: install liburing-dev and rebuild (scripts/setup.sh).`;
    case 'unknown':
      return `${head} (Linux ${facts.kernelRelease}.)`;
  }
}
