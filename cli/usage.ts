/** A mistake in how the CLI was called: printed as a one-line message, never a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Usage text; the functions and what they do come from the registry. */
export const usage = (functions: ReadonlyArray<{ name: string; description: string }>) => `Usage: cvm-autopilot <command>

  call <Action> --region R [--service cvm] [--version V] [--params JSON]
                           one signed API call, printed as JSON
  run <function> [--dry-run]
                           run one function once:
${functions.map((f) => `                             ${f.name.padEnd(16)} ${f.description}`).join("\n")}
  serve                    schedules + webhook server (the embedded emulator when no credentials are set)
  emulator [--port N] [--instances N] [--regions a,b] [--fleet file.json] [--seed S]
           [--latency MS] [--no-rate-limits]
                           the local Tencent Cloud emulator
  deploy [--region R] [--namespace NS] [--dry-run]
                           deploy the functions to Tencent SCF
`;
