/** Whether a process with this pid exists (signal 0 checks without sending; EPERM = exists, not ours). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}
