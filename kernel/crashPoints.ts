/**
 * Named points where a test may have the process killed, to prove that a crash
 * there loses nothing. Armed once at start from the settings (DIWAN_CRASH_AT,
 * a test hook: unset in production, where every call is a no-op), and named in
 * code as `crashPoint('reocr.after-finish')`.
 */
let armed: string | undefined;

/** Arms the point `name` (undefined: none); called once by the runtime with the parsed setting. */
export function armCrashPoint(name: string | undefined): void {
  armed = name;
}

/** Kills this process at once (SIGKILL: no cleanup, like a power cut) when `name` is the armed point. */
export function crashPoint(name: string): void {
  if (armed === undefined || armed !== name) return;
  process.kill(process.pid, 'SIGKILL');
}
