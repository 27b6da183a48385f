/** The connection figures the transport keeps up to date. */
export interface ConnectionCounters {
  connectedClients: number;
  /** Dropped plus refused connections since start. */
  disconnectedClients: number;
}

/** Live figures of the running server, shared by the transport (which updates them) and INFO. */
export interface ServerInfo extends ConnectionCounters {
  pid: number;
  /** Configured TCP port (0 when serving a unix socket only). */
  port: number;
  /** The config file path as given, or "(embedded default)". */
  configFile: string;
  startedAtMs: number;
  eventLoopMaxEvents: number;
  /** The transport in use: "io_uring" or "epoll". */
  backend: string;
  /** io_uring features detected and in use, e.g. "single_issuer defer_taskrun multishot_recv"; "" for epoll. */
  backendFeatures: string;
  /** Frames dispatched (unknown opcodes and failed commands included, spec 2.1). */
  commandsExecuted: number;
}

export function newServerInfo(): ServerInfo {
  return {
    pid: process.pid,
    port: 0,
    configFile: '(embedded default)',
    startedAtMs: Date.now(),
    eventLoopMaxEvents: 100000,
    backend: 'epoll',
    backendFeatures: '',
    connectedClients: 0,
    disconnectedClients: 0,
    commandsExecuted: 0,
  };
}
