/** A bad flag, config file or command line: reported in one line, exit status 2. */
export class UsageError extends Error {}
