// Crash points for the fault tests: TRIBUTARY_FAIL_POINT names one, and the process SIGKILLs
// itself when it gets there, as a crash at that instant would (failpoints, as TiKV and FreeBSD
// have them). A kill from outside cannot land between two steps a few microseconds apart.
const armed = process.env.TRIBUTARY_FAIL_POINT;

export function failPoint(name: string): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
