import { spawn } from 'node:child_process';
import { endsWithTests } from './child-processes.js';
import type { RunningServer } from './server-process.js';

export interface ProgramRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, then stdin is closed (default: empty). */
  input?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** A run longer than this is killed and rejected as a hang. */
  timeoutMs?: number;
}

/** Runs a program to its end and collects its exit code and output. */
export function runProgram(command: string, args: string[], options: RunOptions = {}): Promise<ProgramRun> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const child = endsWithTests(spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} did not end within ${timeoutMs} ms; stdout:\n${stdout}`),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${error.message}`)); // e.g. not installed: spawn ENOENT
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The -p port or -u path flags that fkvs-cli and fkvs-benchmark take for this server. */
export function addressFlags(server: RunningServer): string[] {
  return 'path' in server.address ? ['-u', server.address.path] : ['-p', String(server.address.port)];
}
