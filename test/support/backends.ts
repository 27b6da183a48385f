/**
 * The backends the transport and server tests run on. By default both; the kernel matrix
 * (scripts/kernels/) runs each configuration on its own: FKVS_TEST_BACKENDS=io_uring or epoll, and
 * FKVS_TEST_IO_URING_OFF=defer-taskrun,coop-taskrun,... for a lower rung of the io_uring ladder.
 */
export type BackendName = 'io_uring' | 'epoll';

const backendNames: readonly BackendName[] = ['io_uring', 'epoll'];

/** The io_uring switches a test run may turn off: server flag suffix -> addon option. */
const ioUringSwitches = {
  'defer-taskrun': 'deferTaskrun',
  'coop-taskrun': 'coopTaskrun',
  'multishot-accept': 'multishotAccept',
  'multishot-recv': 'multishotRecv',
} as const;
type IoUringSwitch = keyof typeof ioUringSwitches;

function listFromEnv(name: string): string[] {
  return (process.env[name] ?? '').split(',').filter((word) => word !== '');
}

function chosenBackends(): readonly BackendName[] {
  const chosen = listFromEnv('FKVS_TEST_BACKENDS');
  for (const name of chosen) {
    if (!backendNames.includes(name as BackendName))
      throw new Error(`FKVS_TEST_BACKENDS: unknown backend ${name}`);
  }
  return chosen.length === 0 ? backendNames : (chosen as BackendName[]);
}

function switchedOff(): readonly IoUringSwitch[] {
  const off = listFromEnv('FKVS_TEST_IO_URING_OFF');
  for (const name of off) {
    if (!(name in ioUringSwitches)) throw new Error(`FKVS_TEST_IO_URING_OFF: unknown switch ${name}`);
  }
  return off as IoUringSwitch[];
}

export const testedBackends: readonly BackendName[] = chosenBackends();
const ioUringOff = switchedOff();

/** The server flags that choose a backend (and, for io_uring, the rung under test). */
export function backendServerArgs(backend: BackendName): string[] {
  if (backend === 'epoll') return ['--use-io-uring', 'false'];
  return ['--use-io-uring', 'true', ...ioUringOff.flatMap((name) => [`--io-uring-${name}`, 'false'])];
}

/** The words of the server's "io_uring features:" line that the rung under test must not show. */
export function ioUringFeaturesOff(): string[] {
  return ioUringOff.map((name) => name.replace('-', '_'));
}

/** The addon's io_uring switches for the rung under test (all on by default). */
export function ioUringOptions(): Record<(typeof ioUringSwitches)[IoUringSwitch], boolean> {
  const options = { deferTaskrun: true, coopTaskrun: true, multishotAccept: true, multishotRecv: true };
  for (const name of ioUringOff) options[ioUringSwitches[name]] = false;
  return options;
}
