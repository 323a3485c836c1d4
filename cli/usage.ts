/** A mistake in how the CLI was called: printed as a one-line message, never a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const USAGE = `Usage: cvm-autopilot <command>

  call <Action> --region R [--service cvm] [--version V] [--params JSON]
                           one signed API call, printed as JSON
  run <function> [--dry-run]
                           run one function once: auto-stop-idle, image-sync, renew-flag, key-rotation
  serve                    schedules + webhook server (the embedded emulator when no credentials are set)
  emulator [--port N] [--instances N] [--regions a,b] [--fleet file.json] [--seed S]
           [--latency MS] [--no-rate-limits]
                           the local Tencent Cloud emulator
  deploy [--region R] [--namespace NS] [--dry-run]
                           deploy the functions to Tencent SCF
`;
