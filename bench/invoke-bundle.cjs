// Loads one function bundle exactly as SCF would and invokes it with an event (a timer by
// default; argv[3] may give another as JSON, argv[4] the context); prints one JSON line: wall
// time of the run, peak RSS of this process, and the report.
const started = process.hrtime.bigint();
const mod = require(process.argv[2]);
const loadedMs = Number(process.hrtime.bigint() - started) / 1e6;
const event = process.argv[3]
  ? JSON.parse(process.argv[3])
  : { Type: "Timer", TriggerName: "bench", Time: new Date().toISOString() };
const context = process.argv[4] ? JSON.parse(process.argv[4]) : { request_id: "bench" };
const t0 = process.hrtime.bigint();
mod
  .main_handler(event, context)
  .then((report) => {
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const u = process.resourceUsage();
    // CPU this process used, start to end (µs): lets a benchmark tell when the machine, not the work, set the pace.
    process.stdout.write(
      "\n" +
        JSON.stringify({
          wallMs,
          startedAtMs: Date.now() - wallMs,
          loadedMs,
          maxRssKb: u.maxRSS,
          cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
          report,
        }) +
        "\n",
    );
  })
  .catch((err) => {
    process.stderr.write(`bench run failed: ${err?.message}\n`);
    process.exit(1);
  });
