/** A log line as the original writes it: "YYYY-MM-DD HH:MM:SS - <msg> " in local time (spec 4.3). */
export function formatLogLine(message: string, date: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
  return `${stamp} - ${message} `;
}

export function log(message: string): void {
  process.stdout.write(`${formatLogLine(message)}\n`);
}
